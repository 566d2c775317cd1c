# One image for every switchboard process: the worker, the intake and the
# console (pick with the command; docker-compose.yml runs all three).
# Build: docker build -t switchboard:compose .
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binaries (no cgo), so the runtime image needs no libc. Time zone
# rules are compiled in (time/tzdata), so it needs no tzdata either.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/switchboard ./cmd/switchboard \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/healthcheck ./deploy/healthcheck \
 && mkdir -p /out/data

FROM scratch
# CA roots for the real publishers (Graph API, X API over HTTPS).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/switchboard /out/healthcheck /usr/local/bin/
# The data folder belongs to the unprivileged user, so a fresh named volume
# mounted here is writable by it.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV SWITCHBOARD_DATA_DIR=/data \
    SWITCHBOARD_LOG_FORMAT=json
VOLUME /data
ENTRYPOINT ["/usr/local/bin/switchboard"]
CMD ["worker"]
