# Servdesk: build the release binary, ship it on a slim Debian.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p servdesk-api --bin servdesk

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/servdesk --create-home servdesk
COPY --from=build /src/target/release/servdesk /usr/local/bin/servdesk
USER servdesk
WORKDIR /var/lib/servdesk
ENV SERVDESK_BIND=0.0.0.0:8080 \
    SERVDESK_DATA_DIR=/var/lib/servdesk \
    SERVDESK_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["servdesk"]
CMD ["serve"]
