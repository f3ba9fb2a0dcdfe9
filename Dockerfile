# modelport: CPU image. Build: docker build -t modelport .
# Run:   docker run -p 8500:8500 -p 9500:9500 modelport
# Your models: docker run -v "$PWD/my-store:/models:ro" -e MODELPORT_MODEL_STORE=/models ...
# (Not built in this repository's CI: no Docker engine there. Every RUN step is a command the
# README runs: `mvn -B package`, then `--check-store`.)

# --- build: the README's build command, plus DJL's native cache prepared offline -----------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Poms first, so dependency downloads stay cached while sources change.
COPY pom.xml ./
COPY proto/pom.xml proto/
COPY model-store/pom.xml model-store/
COPY server/pom.xml server/
COPY client/pom.xml client/
COPY cli/pom.xml cli/
COPY proto/src proto/src
RUN mvn -B -q -pl proto -am install -DskipTests
COPY . .
RUN mvn -B -q package -DskipTests
# Load every default model once: extracts libtorch and the tokenizer natives from their Maven jars
# into the cache the image ships, so the container never downloads or extracts anything.
ENV DJL_CACHE_DIR=/opt/djl
RUN java -Dai.djl.offline=true -jar server/target/modelport-server.jar --check-store

# --- run: a JRE, a non-root user, the jar, its libraries, the default store, the warm cache -------
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /opt/modelport modelport \
 && mkdir -p /models && chown 10001 /models
COPY --from=build /src/server/target/modelport-server.jar /opt/modelport/modelport-server.jar
COPY --from=build /src/server/target/lib /opt/modelport/lib
# models/ beside the jar is the default store (see ServerOptions.defaultStore)
COPY --from=build /src/model-store/models /opt/modelport/models
COPY --from=build --chown=10001 /opt/djl /opt/djl
# OMP_WAIT_POLICY: PyTorch's OpenMP threads sleep instead of spinning when --torch-threads raises
# them above 1 (read when libtorch loads, so it must be in the environment; see EngineThreads).
ENV DJL_CACHE_DIR=/opt/djl \
    OMP_WAIT_POLICY=PASSIVE \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=384m -XX:+ExitOnOutOfMemoryError"
USER 10001
WORKDIR /opt/modelport
EXPOSE 8500 9500
# The mount point for a user's store (pass MODELPORT_MODEL_STORE=/models to use it).
VOLUME ["/models"]
ENTRYPOINT ["java", "-jar", "/opt/modelport/modelport-server.jar"]
