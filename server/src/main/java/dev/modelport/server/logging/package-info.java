/** Logging: client-caused transport noise kept out of the log, the access log. */
package dev.modelport.server.logging;
