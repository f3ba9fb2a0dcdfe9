package dev.modelport.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import dev.modelport.server.errors.ModelportException;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Bytes that do not parse as the request message (truncated, wrong wire types, invalid UTF-8 in a
 * string field) are the caller's mistake and must get INVALID_ARGUMENT. grpc-java answers a
 * marshaller exception with UNKNOWN ("Application error processing RPC"), so the wrapped marshaller
 * never throws: it returns an empty request carrying the parse error in a reserved unknown field,
 * and the services call {@link #check} first. On a PredictStream that fails only the malformed
 * item; the stream goes on.
 */
public final class StrictRequestParsing {
  /** The highest field number protobuf allows; no modelport message uses it. */
  static final int PARSE_ERROR_FIELD = 536_870_911;

  /** Marks a request refused before decoding because the memory budget is spent. */
  static final int REFUSED_FIELD = 536_870_910;

  private StrictRequestParsing() {}

  /** {@code def} with every method's request marshaller made strict (see the class comment). */
  public static ServerServiceDefinition wrap(ServerServiceDefinition def) {
    return RequestMarshallers.wrapAll(
        def,
        new RequestMarshallers.Wrapper() {
          @Override
          public <T> MethodDescriptor.Marshaller<T> wrap(
              MethodDescriptor.Marshaller<T> requests, String method) {
            return new Strict<>(requests, method);
          }
        });
  }

  /**
   * Throws INVALID_ARGUMENT when {@code request} stands for bytes that did not parse, and
   * RESOURCE_EXHAUSTED when it stands for a request refused by the memory budget.
   */
  static void check(Message request) {
    UnknownFieldSet unknown = request.getUnknownFields();
    if (unknown.asMap().isEmpty()) {
      return; // the common case, without a map lookup per field
    }
    UnknownFieldSet.Field f = unknown.getField(PARSE_ERROR_FIELD);
    if (!f.getLengthDelimitedList().isEmpty()) {
      throw ModelportException.invalid(f.getLengthDelimitedList().get(0).toStringUtf8());
    }
    UnknownFieldSet.Field refused = unknown.getField(REFUSED_FIELD);
    if (!refused.getLengthDelimitedList().isEmpty()) {
      throw ModelportException.resourceExhausted(
          refused.getLengthDelimitedList().get(0).toStringUtf8());
    }
  }

  /** {@code empty} carrying {@code text} in the reserved unknown field {@code field}. */
  @SuppressWarnings("unchecked")
  static <T> T marked(T empty, int field, String text) {
    UnknownFieldSet marker =
        UnknownFieldSet.newBuilder()
            .addField(
                field,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFrom(text, StandardCharsets.UTF_8))
                    .build())
            .build();
    return (T) ((Message) empty).toBuilder().setUnknownFields(marker).build();
  }

  private static final class Strict<T> extends RequestMarshaller<T> {
    private final String method;

    Strict(MethodDescriptor.Marshaller<T> delegate, String method) {
      super(delegate);
      this.method = method;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T parse(InputStream stream) {
      try {
        return delegate.parse(stream);
      } catch (StatusRuntimeException e) {
        if (!(empty instanceof Message)) {
          throw e;
        }
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String error =
            "the request to " + method + " is not a valid protobuf message: " + cause.getMessage();
        return marked(empty, PARSE_ERROR_FIELD, error);
      }
    }
  }
}
