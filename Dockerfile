# modelport: CPU image.
#   Build: docker build -t modelport .        (or: podman build -t modelport .)
#   Run:   docker run -p 8500:8500 -p 9500:9500 --read-only --tmpfs /tmp modelport
#   Your models: -v "$PWD/my-store:/models:ro" -e MODELPORT_MODEL_STORE=/models
# The bases are build arguments so that a machine without a registry can build against local
# images; deploy/image-test.sh makes them from Debian packages and runs this file for real on every
# CI run (docs/operations.md, "Container image", has the measured size, start time and memory).

ARG BUILD_BASE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_BASE=eclipse-temurin:17-jre
ARG GPU_BASE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

# --- build: the README's build command, plus DJL's native cache prepared offline -----------------
FROM ${BUILD_BASE} AS build
WORKDIR /src
# Every module's pom first, so dependency downloads stay cached while sources change.
COPY pom.xml ./
# .mvn/jvm.config opens the compiler to Error Prone, which runs in every build
COPY .mvn .mvn
COPY bom/pom.xml bom/
COPY proto/pom.xml proto/
COPY model-store/pom.xml model-store/
COPY server/pom.xml server/
COPY client/pom.xml client/
COPY cli/pom.xml cli/
COPY perf-inprocess/pom.xml perf-inprocess/
COPY proto/src proto/src
RUN mvn -B -q -pl proto -am install -DskipTests
COPY . .
# (no javadoc or source jars: the image needs neither)
RUN mvn -B -q package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
# Load every default model once: extracts libtorch and the tokenizer natives from their Maven jars
# into the cache the image ships, so the container never downloads or extracts anything.
ENV DJL_CACHE_DIR=/opt/djl
# DJL makes its folders for the owner only: the server's user must read them (and never write).
RUN java -Dai.djl.offline=true -jar server/target/modelport-server.jar --check-store \
 && chmod -R a+rX,go-w /opt/djl

# --- gpu: the same server on CUDA ------------------------------------------------------------------
# Not the default target (build it with --target gpu). Beyond the CPU image: a CUDA 12 runtime base
# with cuDNN, and ONNX Runtime's GPU build (mvn -Pgpu: com.microsoft.onnxruntime:onnxruntime_gpu).
# libtorch stays the CPU build: Maven Central has no CUDA libtorch for DJL 0.35.1's 2.7.1, so
# TorchScript models run on CPU in this image. Never run here (no GPU); docs/operations.md, "GPU
# image", says where a build here stops and why.
FROM build AS build-gpu
RUN mvn -B -q -Pgpu package -pl server -DskipTests

FROM ${GPU_BASE} AS gpu
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /opt/modelport modelport
COPY --from=build-gpu /src/server/target/modelport-server.jar /opt/modelport/modelport-server.jar
COPY --from=build-gpu /src/server/target/lib /opt/modelport/lib
COPY --from=build /src/model-store/models /opt/modelport/models
COPY --from=build /opt/djl /opt/djl
ENV DJL_CACHE_DIR=/opt/djl \
    OMP_WAIT_POLICY=PASSIVE \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=384m -XX:+ExitOnOutOfMemoryError"
USER 10001
WORKDIR /opt/modelport
EXPOSE 8500 9500
ENTRYPOINT ["java", "-jar", "/opt/modelport/modelport-server.jar"]

# --- run: a JRE, a non-root user, the jar, its libraries, the default store, the warm cache -------
FROM ${RUNTIME_BASE} AS cpu
RUN useradd --system --uid 10001 --home-dir /opt/modelport modelport \
 && mkdir -p /models && chown 10001 /models
COPY --from=build /src/server/target/modelport-server.jar /opt/modelport/modelport-server.jar
COPY --from=build /src/server/target/lib /opt/modelport/lib
# models/ beside the jar is the default store (see DefaultStore)
COPY --from=build /src/model-store/models /opt/modelport/models
# Owned by root and read-only at run time: everything DJL needs was extracted at build time.
COPY --from=build /opt/djl /opt/djl
# OMP_WAIT_POLICY: PyTorch's OpenMP threads sleep instead of spinning when --torch-threads raises
# them above 1 (read when libtorch loads, so it must be in the environment; see EngineThreads).
# The server turns DJL's offline mode on itself (Main); the JVM's and ONNX Runtime's temporary
# files go to /tmp, a tmpfs under --read-only (deploy/image-test.sh runs it so).
ENV DJL_CACHE_DIR=/opt/djl \
    OMP_WAIT_POLICY=PASSIVE \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=384m -XX:+ExitOnOutOfMemoryError"
USER 10001
WORKDIR /opt/modelport
EXPOSE 8500 9500
# The mount point for a user's store (pass MODELPORT_MODEL_STORE=/models to use it).
VOLUME ["/models"]
ENTRYPOINT ["java", "-jar", "/opt/modelport/modelport-server.jar"]
