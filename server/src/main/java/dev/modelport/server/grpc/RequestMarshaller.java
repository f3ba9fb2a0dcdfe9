package dev.modelport.server.grpc;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * A request marshaller wrapped around the generated one: writing is the delegate's, reading is the
 * subclass's, and {@link #empty} is the request a refused parse marks and hands on (see {@link
 * StrictRequestParsing#marked}), so the refusal is answered in the method's own terms.
 */
abstract class RequestMarshaller<T> implements MethodDescriptor.Marshaller<T> {
  final MethodDescriptor.Marshaller<T> delegate;
  final T empty;

  RequestMarshaller(MethodDescriptor.Marshaller<T> delegate) {
    this.delegate = delegate;
    this.empty = delegate.parse(new ByteArrayInputStream(new byte[0]));
  }

  @Override
  public final InputStream stream(T value) {
    return delegate.stream(value);
  }
}
