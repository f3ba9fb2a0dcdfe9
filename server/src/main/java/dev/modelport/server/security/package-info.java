/**
 * Who may call: bearer tokens with roles ({@link dev.modelport.server.security.TokenStore}, checked
 * by {@link dev.modelport.server.security.AuthInterceptor}) and TLS / mutual TLS credentials for
 * the listeners ({@link dev.modelport.server.security.TlsSetup}). Depends on grpc-api only.
 */
package dev.modelport.server.security;
