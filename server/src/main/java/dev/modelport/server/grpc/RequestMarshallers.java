package dev.modelport.server.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds a service definition with every method's request marshaller wrapped, keeping its
 * handlers (and the interceptors inside them). Strict parsing and memory admission both act where
 * gRPC turns bytes into a request, and this is the one place that knows how to get there.
 */
final class RequestMarshallers {
  private RequestMarshallers() {}

  /** Wraps one method's request marshaller. */
  interface Wrapper {
    <T> MethodDescriptor.Marshaller<T> wrap(MethodDescriptor.Marshaller<T> requests, String method);
  }

  static ServerServiceDefinition wrapAll(ServerServiceDefinition def, Wrapper wrapper) {
    ServiceDescriptor original = def.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
      ServerMethodDefinition<?, ?> wrapped = wrapMethod(m, wrapper);
      methods.add(wrapped);
      descriptor.addMethod(wrapped.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(b::addMethod);
    return b.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> wrapMethod(
      ServerMethodDefinition<ReqT, RespT> m, Wrapper wrapper) {
    MethodDescriptor<ReqT, RespT> md = m.getMethodDescriptor();
    MethodDescriptor<ReqT, RespT> wrapped =
        md.toBuilder()
            .setRequestMarshaller(wrapper.wrap(md.getRequestMarshaller(), md.getFullMethodName()))
            .build();
    return ServerMethodDefinition.create(wrapped, m.getServerCallHandler());
  }
}
