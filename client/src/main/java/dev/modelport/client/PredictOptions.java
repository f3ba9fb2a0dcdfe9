package dev.modelport.client;

import dev.modelport.v1.PredictRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a call asks for beyond its inputs: the model version, translator parameters, which outputs
 * to return and whether in {@code raw}. Immutable; derive a client with {@link
 * ModelportClient#withOptions} to apply them to every call it makes. A field the request itself
 * sets wins over the option.
 *
 * <pre>{@code
 * ModelportClient v2 = client.withOptions(PredictOptions.builder().version("2").rawOutput(true).build());
 * }</pre>
 */
public final class PredictOptions {
  /** No options: the default version, every output, typed values. */
  public static final PredictOptions DEFAULTS = builder().build();

  private final String version;
  private final Map<String, String> parameters;
  private final List<String> outputNames;
  private final boolean rawOutput;

  private PredictOptions(Builder b) {
    this.version = b.version;
    this.parameters = Map.copyOf(b.parameters);
    this.outputNames = List.copyOf(b.outputNames);
    this.rawOutput = b.rawOutput;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.version = version;
    b.parameters.putAll(parameters);
    b.outputNames = outputNames;
    b.rawOutput = rawOutput;
    return b;
  }

  /** The version asked for; "" means the model's default version. */
  public String version() {
    return version;
  }

  public Map<String, String> parameters() {
    return parameters;
  }

  public List<String> outputNames() {
    return outputNames;
  }

  public boolean rawOutput() {
    return rawOutput;
  }

  /** {@code request} with these options filled in where the request leaves a field unset. */
  PredictRequest applyTo(PredictRequest request) {
    if (this == DEFAULTS
        || (version.isEmpty() && parameters.isEmpty() && outputNames.isEmpty() && !rawOutput)) {
      return request;
    }
    PredictRequest.Builder b = request.toBuilder();
    if (b.getModelVersion().isEmpty()) {
      b.setModelVersion(version);
    }
    parameters.forEach(
        (k, v) -> {
          if (!b.containsParameters(k)) {
            b.putParameters(k, v);
          }
        });
    if (b.getOutputNamesCount() == 0) {
      b.addAllOutputNames(outputNames);
    }
    if (rawOutput) {
      b.setRawOutput(true);
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "PredictOptions[version="
        + (version.isEmpty() ? "default" : version)
        + ", parameters="
        + parameters
        + ", outputNames="
        + outputNames
        + ", rawOutput="
        + rawOutput
        + "]";
  }

  /** Builds {@link PredictOptions}. */
  public static final class Builder {
    private String version = "";
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private List<String> outputNames = List.of();
    private boolean rawOutput;

    private Builder() {}

    /** A concrete version ("3"); "" for the model's default. */
    public Builder version(String version) {
      this.version = java.util.Objects.requireNonNull(version, "version");
      return this;
    }

    /** A translator parameter (e.g. {@code normalize=false} for text embeddings). */
    public Builder parameter(String name, String value) {
      parameters.put(name, value);
      return this;
    }

    /** Only these outputs, in the model's order; none given means every output. */
    public Builder outputNames(String... names) {
      this.outputNames = List.of(names);
      return this;
    }

    /** Outputs packed little-endian in {@code raw} instead of the typed fields. */
    public Builder rawOutput(boolean raw) {
      this.rawOutput = raw;
      return this;
    }

    public PredictOptions build() {
      return new PredictOptions(this);
    }
  }
}
