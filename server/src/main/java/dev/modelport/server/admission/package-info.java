/**
 * Admission of requests against the server's memory: a budget of heap bytes that requests in flight
 * may hold, charged per request before it is decoded and returned when it is answered. Depends on
 * nothing else in the server; the {@code grpc} package charges it.
 */
package dev.modelport.server.admission;
