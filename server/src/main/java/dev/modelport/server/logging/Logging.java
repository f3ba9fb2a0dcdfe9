package dev.modelport.server.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Sets up logging from the flags, before the server logs anything of note. */
public final class Logging {
  private Logging() {}

  /**
   * Routes java.util.logging (gRPC, Netty) into SLF4J, and applies {@code format} ("text" or
   * "json") and {@code level} (modelport's own loggers; null keeps INFO).
   */
  public static void configure(String format, String level) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    if (level != null) {
      System.setProperty("modelport.logLevel", level);
    }
    boolean json = "json".equals(format);
    if (!json && level == null) {
      return; // logback.xml as loaded
    }
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(ctx);
    ctx.reset();
    try {
      configurator.doConfigure(
          Logging.class.getResource(json ? "/logback-json.xml" : "/logback.xml"));
    } catch (JoranException e) {
      throw new IllegalStateException("logging configuration: " + e.getMessage(), e);
    }
  }
}
