/**
 * Wiring and process lifecycle: {@link dev.modelport.server.Main} parses flags and their
 * environment twins ({@link dev.modelport.server.ServerOptions}) and {@link
 * dev.modelport.server.ModelportServer} assembles the registry, the gRPC services, health and
 * reflection, and shuts them down in a fixed order.
 */
package dev.modelport.server;
