package dev.modelport.server.grpc;

import com.google.protobuf.MessageLite;
import dev.modelport.server.admission.MemoryBudget;
import dev.modelport.server.admission.Permit;
import dev.modelport.server.admission.ReceiveSlots;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Charges every request of a service to the {@link MemoryBudget} <b>before it is decoded</b>.
 *
 * <p>gRPC hands a marshaller each message as a stream that knows its length ({@link KnownLength});
 * the wrapped marshaller charges {@link MemoryBudget#estimate} of that length, and when it does not
 * fit it skips the decoding and returns a marker request that the service answers with
 * RESOURCE_EXHAUSTED (see {@link StrictRequestParsing#check}). Only when the length is unknown (a
 * compressed message) is the request charged after decoding, by its serialized size.
 *
 * <p>The charge ({@link Permit}) travels from the marshaller to whoever returns it through a
 * thread-local hand-off: grpc-java parses a message and delivers it to the call's listener in one
 * step on one thread ({@code listener.onMessage(method.parseRequest(message))}). For a unary call
 * the interceptor installed here takes the permit in {@code onMessage} and returns it when the call
 * ends ({@code onComplete} or {@code onCancel}: answered, failed, cancelled, past its deadline or
 * cut by shutdown). A streaming method's request observer runs inside that same {@code onMessage},
 * so {@code PredictStream} takes each item's permit with {@link #takePermit} and returns it when
 * the item is answered.
 */
public final class AdmissionParsing {
  private static final ThreadLocal<Permit> HANDOFF = new ThreadLocal<>();

  private AdmissionParsing() {}

  /**
   * {@code def} with every request charged to {@code budget}; install the result outside every
   * other interceptor, so its unary listener sees each message first.
   */
  public static ServerServiceDefinition wrap(ServerServiceDefinition def, MemoryBudget budget) {
    return RequestMarshallers.wrapAll(
        def,
        new RequestMarshallers.Wrapper() {
          @Override
          public <T> MethodDescriptor.Marshaller<T> wrap(
              MethodDescriptor.Marshaller<T> requests, String method) {
            return new Charged<>(requests, budget);
          }
        });
  }

  /**
   * Wraps an already intercepted {@code def} so that a unary call reads its message only while it
   * holds a receive slot, and returns its memory charge when it ends.
   */
  public static ServerServiceDefinition gateUnaryCalls(
      ServerServiceDefinition def, ReceiveSlots slots) {
    return ServerInterceptors.intercept(def, new UnaryAdmission(slots));
  }

  /**
   * The permit of the request just decoded on this thread ({@link Permit#NONE} if none). Call it
   * first thing in a streaming method's {@code onNext}.
   */
  static Permit takePermit() {
    Permit p = HANDOFF.get();
    if (p == null) {
      return Permit.NONE;
    }
    HANDOFF.remove();
    return p;
  }

  private static final class Charged<T> extends RequestMarshaller<T> {
    private final MemoryBudget budget;

    Charged(MethodDescriptor.Marshaller<T> delegate, MemoryBudget budget) {
      super(delegate);
      this.budget = budget;
    }

    @Override
    public T parse(InputStream stream) {
      takePermit().close(); // a hand-off nobody took (the call was closed first) goes back now
      long size = knownLength(stream);
      Permit permit = Permit.NONE;
      if (size >= 0) {
        long charge = MemoryBudget.estimate(size);
        permit = budget.tryAcquire(charge);
        if (permit == null) {
          return StrictRequestParsing.marked(
              empty, StrictRequestParsing.REFUSED_FIELD, budget.refusal(size, charge));
        }
      }
      T request = delegate.parse(stream);
      if (size < 0 && request instanceof MessageLite m) {
        long charge = MemoryBudget.estimate(m.getSerializedSize());
        permit = budget.tryAcquire(charge);
        if (permit == null) {
          return StrictRequestParsing.marked(
              empty,
              StrictRequestParsing.REFUSED_FIELD,
              budget.refusal(m.getSerializedSize(), charge));
        }
      }
      HANDOFF.set(permit);
      return request;
    }

    private static long knownLength(InputStream stream) {
      if (!(stream instanceof KnownLength)) {
        return -1;
      }
      try {
        return stream.available();
      } catch (IOException e) {
        return -1;
      }
    }
  }

  /**
   * A unary call: its message is requested from the transport only once a receive slot is held
   * (until then its bytes wait in the client), the slot goes back when the message has arrived or
   * the call ended without one, and the memory charge goes back when the call ends.
   */
  private static final class UnaryAdmission implements ServerInterceptor {
    private final ReceiveSlots slots;

    UnaryAdmission(ReceiveSlots slots) {
      this.slots = slots;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
        return next.startCall(call, headers);
      }
      SlotGatedCall<ReqT, RespT> gated = new SlotGatedCall<>(call, slots);
      ServerCall.Listener<ReqT> listener = next.startCall(gated, headers);
      return new SimpleForwardingServerCallListener<>(listener) {
        private Permit permit = Permit.NONE; // only touched by the call's serialized callbacks

        @Override
        public void onMessage(ReqT message) {
          permit = takePermit();
          gated.finish();
          super.onMessage(message);
        }

        @Override
        public void onComplete() {
          try {
            super.onComplete();
          } finally {
            gated.finish();
            permit.close();
          }
        }

        @Override
        public void onCancel() {
          try {
            super.onCancel();
          } finally {
            gated.finish();
            permit.close();
          }
        }
      };
    }
  }

  /** Forwards the first {@code request(n)} only once a receive slot is held. */
  private static final class SlotGatedCall<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private static final int NEW = 0;
    private static final int WAITING = 1;
    private static final int HOLDING = 2;
    private static final int FINISHED = 3;

    private final ReceiveSlots slots;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private volatile int requested;
    private final Runnable grant = this::granted;

    SlotGatedCall(ServerCall<ReqT, RespT> delegate, ReceiveSlots slots) {
      super(delegate);
      this.slots = slots;
    }

    private void granted() {
      if (state.compareAndSet(WAITING, HOLDING)) {
        delegate().request(requested); // ServerCall.request may be called from any thread
      } else {
        slots.release(); // the call finished while waiting: pass the slot on
      }
    }

    @Override
    public void request(int numMessages) {
      if (state.get() == NEW) {
        requested = numMessages;
        if (state.compareAndSet(NEW, WAITING)) {
          slots.acquire(grant);
          return;
        }
      }
      delegate().request(numMessages);
    }

    /** The message arrived, or the call ended: give the slot back (once), or stop waiting. */
    void finish() {
      int was = state.getAndSet(FINISHED);
      if (was == HOLDING) {
        slots.release();
      } else if (was == WAITING) {
        slots.withdraw(grant); // if the grant is already running, it sees FINISHED and releases
      }
    }
  }
}
