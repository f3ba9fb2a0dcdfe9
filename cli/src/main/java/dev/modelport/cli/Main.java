package dev.modelport.cli;

import com.google.protobuf.util.JsonFormat;
import dev.modelport.cli.perf.PerfCommand;
import dev.modelport.client.ModelportClient;
import dev.modelport.v1.ListModelsResponse;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.ReloadModelResponse;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Set;

/**
 * {@code java -jar cli/target/modelport-cli.jar COMMAND [options]}; every command takes {@code
 * --target host:port} (default localhost:8500).
 */
public final class Main {
  static final String USAGE =
      """
      usage: modelport COMMAND [--target host:port] [--tls-ca F [--tls-cert F --tls-key F]]
                               [--token T] [options]
        list                       every model and its versions' states
        get MODEL                  one model: versions, signature, devices, batching
        predict MODEL --input NAME=JSON [--input ...] [--version V] [--raw]
                                   e.g. --input 'features=[[5.1,3.5,1.4,0.2]]' or 'text=["hi"]'
        predict --json REQUEST     a PredictRequest in protobuf JSON
        reload [MODEL]             make the server match its store (all models when omitted)
        perf --model M [options]   load generator; see `modelport perf --help`
      """;

  private Main() {}

  public static void main(String[] argv) {
    System.exit(run(argv));
  }

  static int run(String[] argv) {
    if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h")) {
      System.out.print(USAGE);
      return argv.length == 0 ? 2 : 0;
    }
    String command = argv[0];
    String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
    try {
      if (command.equals("perf")) {
        return PerfCommand.run(rest);
      }
      Args args = Args.parse(rest, Set.of("raw"));
      try (ModelportClient client =
          Connection.open(args, Duration.ofSeconds(args.integer("deadline-seconds", 120)), 5)) {
        JsonFormat.Printer json = JsonFormat.printer();
        switch (command) {
          case "list" ->
              System.out.println(
                  json.print(ListModelsResponse.newBuilder().addAllModels(client.listModels())));
          case "get" -> {
            ModelStatus s = client.getModel(one(args, "get MODEL"));
            System.out.println(json.print(s));
          }
          case "predict" ->
              System.out.println(json.print(client.predict(Predict.request(client, args))));
          case "reload" ->
              System.out.println(
                  json.print(
                      ReloadModelResponse.newBuilder()
                          .addAllModels(
                              client.reloadModel(
                                  args.positional.isEmpty() ? "" : args.positional.get(0)))));
          default -> {
            System.err.println("modelport: unknown command " + command);
            System.err.print(USAGE);
            return 2;
          }
        }
      }
      return 0;
    } catch (StatusRuntimeException e) {
      System.err.println(
          "modelport: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      return 1;
    } catch (IllegalArgumentException e) {
      System.err.println("modelport: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      System.err.println("modelport: " + e);
      return 1;
    }
  }

  static String one(Args args, String what) {
    if (args.positional.size() != 1) {
      throw new IllegalArgumentException("usage: " + what);
    }
    return args.positional.get(0);
  }
}
