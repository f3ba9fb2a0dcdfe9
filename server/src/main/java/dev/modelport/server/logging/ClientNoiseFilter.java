package dev.modelport.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.grpc.Status;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Keeps events that a client caused out of the log: gRPC and Netty log an oversize message, a reset
 * or closed connection, a malformed HTTP/2 frame or a cancelled call as a WARNING with a full stack
 * trace, which buries real failures. Such an event becomes one line without a stack trace, at
 * DEBUG, on the logger {@code modelport.client}; everything else passes unchanged.
 */
public final class ClientNoiseFilter extends TurboFilter {
  private static final org.slf4j.Logger CLIENT = LoggerFactory.getLogger("modelport.client");

  /** Status codes that mean "the client sent something we refused, or went away". */
  private static final Set<Status.Code> CLIENT_CODES =
      Set.of(
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.CANCELLED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.UNAUTHENTICATED);

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null || logger == null || !level.isGreaterOrEqual(Level.INFO)) {
      return FilterReply.NEUTRAL;
    }
    String name = logger.getName();
    if (!name.startsWith("io.grpc") && !name.startsWith("io.netty")) {
      return FilterReply.NEUTRAL;
    }
    if (!clientCaused(t)) {
      return FilterReply.NEUTRAL;
    }
    if (CLIENT.isDebugEnabled()) {
      CLIENT.debug(
          "{}: {}{}",
          name.substring(name.lastIndexOf('.') + 1),
          format == null ? "" : format + ": ",
          String.valueOf(t));
    }
    return FilterReply.DENY;
  }

  /** Whether {@code t} (or a cause) is the mark of a client-caused event. */
  static boolean clientCaused(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      Status s = statusOf(c);
      if (s != null) {
        return CLIENT_CODES.contains(s.getCode());
      }
      String cls = c.getClass().getName();
      if (c instanceof ClosedChannelException
          || cls.endsWith("Http2Exception")
          || cls.endsWith("StreamException")
          || cls.endsWith("DecoderException")
          || cls.endsWith("NativeIoException")
          || cls.endsWith("SSLHandshakeException")
          || cls.endsWith("NotSslRecordException")) {
        return true;
      }
      if (c instanceof IOException && c.getMessage() != null) {
        String m = c.getMessage();
        if (m.contains("Connection reset")
            || m.contains("Broken pipe")
            || m.contains("connection was aborted")) {
          return true;
        }
      }
    }
    return false;
  }

  private static Status statusOf(Throwable c) {
    if (c instanceof io.grpc.StatusRuntimeException e) {
      return e.getStatus();
    }
    if (c instanceof io.grpc.StatusException e) {
      return e.getStatus();
    }
    return null;
  }
}
