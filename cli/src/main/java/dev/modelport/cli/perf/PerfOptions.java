package dev.modelport.cli.perf;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What {@code modelport perf} was asked to run. */
record PerfOptions(
    String target,
    String model,
    String mode,
    List<Integer> concurrency,
    int rows,
    Duration warmup,
    Duration duration,
    long requests,
    boolean inProcess,
    boolean echo,
    Path store,
    Path json,
    double rate,
    java.net.URI http) {}
