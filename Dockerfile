# levdyn container image: multi-stage, Debian 12 packages only, runs as non-root.
# Build here with: make image   (../shared/tools/container-build.sh, buildah + podman)

FROM debian:bookworm-slim AS build
# The same package list the Makefile's deps step installs (one list, not two).
COPY deploy/packages-build.txt /tmp/packages-build.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(grep -v '^#' /tmp/packages-build.txt | awk 'NF {print $1}') \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake cmake
COPY core core
COPY proto proto
COPY service service
COPY tests tests
COPY deploy deploy
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DLEVDYN_BUILD_TESTS=OFF -DLEVDYN_BUILD_BENCH=OFF \
 && cmake --build build --target levdyn \
 && strip build/levdyn

FROM debian:bookworm-slim
COPY deploy/packages-runtime.txt /tmp/packages-runtime.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(grep -v '^#' /tmp/packages-runtime.txt | awk 'NF {print $1}') \
 && rm -rf /var/lib/apt/lists/* /tmp/packages-runtime.txt \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/levdyn --shell /usr/sbin/nologin levdyn \
 && mkdir -p /var/lib/levdyn/capture /var/lib/levdyn/cache /etc/levdyn \
 && chown -R levdyn:levdyn /var/lib/levdyn
COPY --from=build /src/build/levdyn /usr/local/bin/levdyn
COPY deploy/levdyn.yaml /etc/levdyn/levdyn.yaml
ENV LEVDYN_METADATA_CACHE_DIR=/var/lib/levdyn/cache
USER 10001:10001
WORKDIR /var/lib/levdyn
VOLUME ["/var/lib/levdyn/capture"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["levdyn", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["levdyn"]
CMD ["serve", "--config", "/etc/levdyn/levdyn.yaml"]
