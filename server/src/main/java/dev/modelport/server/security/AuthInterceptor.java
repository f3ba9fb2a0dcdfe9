package dev.modelport.server.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Optional;

/**
 * Requires {@code authorization: Bearer <token>} on every call but health checks (probes stay
 * open): UNAUTHENTICATED without a valid token, PERMISSION_DENIED when ReloadModel or the OIP
 * RepositoryModelLoad/Unload is called without an admin token.
 */
public final class AuthInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** Methods that change what is served: admin tokens only. */
  private static final java.util.Set<String> ADMIN_ONLY =
      java.util.Set.of(
          "modelport.v1.ModelService/ReloadModel",
          "inference.GRPCInferenceService/RepositoryModelLoad",
          "inference.GRPCInferenceService/RepositoryModelUnload");

  private final TokenStore tokens;

  public AuthInterceptor(TokenStore tokens) {
    this.tokens = tokens;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription(
              "missing credentials: send the header \"authorization: Bearer <token>\""));
    }
    Optional<TokenStore.Role> role = tokens.roleOf(header.substring(7).strip());
    if (role.isEmpty()) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription("invalid token"));
    }
    if (ADMIN_ONLY.contains(method) && role.get() != TokenStore.Role.ADMIN) {
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription(
              method.substring(method.indexOf('/') + 1) + " needs an admin token"));
    }
    return next.startCall(call, headers);
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(
      ServerCall<ReqT, RespT> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
