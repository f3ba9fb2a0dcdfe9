package dev.modelport.cli;

import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.modelport.cli.perf.PerfCommand;
import dev.modelport.client.ModelportClient;
import dev.modelport.v1.ListModelsResponse;
import dev.modelport.v1.ReloadModelResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar cli/target/modelport-cli.jar COMMAND [options]}. Exit codes: 0 done, 1 the
 * server or the connection failed, 2 bad usage.
 */
@Command(
    name = "modelport",
    mixinStandardHelpOptions = true,
    version = "modelport 0.1.0",
    description = "Calls a modelport server: models, predictions, reloads, load tests.",
    subcommands = {
      Main.ListCommand.class,
      Main.GetCommand.class,
      Main.PredictCommand.class,
      Main.ReloadCommand.class,
      PerfCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] argv) {
    System.exit(run(argv));
  }

  /** Runs a command line; returns its exit code. */
  public static int run(String... argv) {
    return commandLine().execute(argv);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(Main::failed);
    return cl;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return 2; // a command is required
  }

  /** A failure while running: one line naming what failed, no stack trace. */
  private static int failed(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    String target = targetOf(cl);
    if (e instanceof StatusRuntimeException s) {
      Status st = s.getStatus();
      if (st.getCode() == Status.Code.UNAVAILABLE && target != null) {
        cl.getErr()
            .println(
                "modelport: cannot reach "
                    + target
                    + ": "
                    + (st.getDescription() == null ? st.getCode() : st.getDescription()));
      } else {
        cl.getErr().println("modelport: " + st.getCode() + ": " + st.getDescription());
      }
      return 1;
    }
    if (e instanceof IllegalArgumentException) {
      cl.getErr().println("modelport: " + e.getMessage());
      return 2;
    }
    cl.getErr().println("modelport: " + e);
    return 1;
  }

  private static String targetOf(CommandLine cl) {
    Object cmd = cl.getCommand();
    if (cmd instanceof Connected c) {
      return c.connection().target();
    }
    return null;
  }

  /** A command that talks to a server: the connection options are its mixin. */
  public interface Connected {
    ConnectionOptions connection();
  }

  /** The base of the commands that talk to a server. */
  public abstract static class ConnectedCommand implements Callable<Integer>, Connected {
    @Mixin protected ConnectionOptions connection;

    @Override
    public ConnectionOptions connection() {
      return connection;
    }

    /** A call's answer, as the commands print it. */
    @FunctionalInterface
    protected interface Answer {
      MessageOrBuilder from(ModelportClient client) throws Exception;
    }

    /** Connects (5 s deadline), prints the answer as protobuf JSON, and exits 0. */
    protected final Integer printJson(Answer answer) throws Exception {
      try (ModelportClient client = connection.open(5)) {
        System.out.println(JsonFormat.printer().print(answer.from(client)));
      }
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Every model and the states of its versions (JSON).")
  static final class ListCommand extends ConnectedCommand {

    @Override
    public Integer call() throws Exception {
      return printJson(client -> ListModelsResponse.newBuilder().addAllModels(client.listModels()));
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "One model: versions, signature, devices, batching (JSON).")
  static final class GetCommand extends ConnectedCommand {

    @Parameters(paramLabel = "MODEL", description = "the model's name")
    String model;

    @Override
    public Integer call() throws Exception {
      return printJson(client -> client.getModel(model));
    }
  }

  @Command(
      name = "predict",
      mixinStandardHelpOptions = true,
      description = {
        "Runs one prediction and prints the answer (JSON).",
        "  modelport predict iris --input 'features=[[5.1,3.5,1.4,0.2]]'",
        "  modelport predict all-minilm-l6-v2 --input 'text=[\"hello\"]'",
        "  modelport predict --json '{\"modelName\":\"iris\", ...}'"
      })
  static final class PredictCommand extends ConnectedCommand {

    @Parameters(paramLabel = "MODEL", arity = "0..1", description = "the model's name")
    String model;

    @Option(
        names = "--input",
        paramLabel = "NAME=JSON",
        description = "an input as nested JSON arrays, typed by the model's signature; repeatable")
    List<String> inputs = new ArrayList<>();

    @Option(
        names = "--model-version",
        paramLabel = "V",
        description = "a version (default: the model's default)")
    String version = "";

    @Option(names = "--raw", description = "outputs packed in raw")
    boolean raw;

    @Option(
        names = "--json",
        paramLabel = "REQUEST",
        description = "a PredictRequest as protobuf JSON")
    String json;

    @Override
    public Integer call() throws Exception {
      if ((model == null) == (json == null)) {
        throw new IllegalArgumentException(
            "predict: give MODEL --input NAME=JSON, or --json REQUEST");
      }
      return printJson(
          client -> client.predict(Predict.request(client, model, inputs, version, raw, json)));
    }
  }

  @Command(
      name = "reload",
      mixinStandardHelpOptions = true,
      description = "Makes the server match its store, for MODEL or for every model (JSON).")
  static final class ReloadCommand extends ConnectedCommand {

    @Parameters(paramLabel = "MODEL", arity = "0..1", description = "the model (default: all)")
    String model = "";

    @Override
    public Integer call() throws Exception {
      return printJson(
          client ->
              ReloadModelResponse.newBuilder()
                  .addAllModels(client.reloadModel(model == null ? "" : model)));
    }
  }
}
