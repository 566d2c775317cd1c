# Multi-stage build of the one switchboard binary; the same image runs the
# worker, the intake and the console (pick with the command).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/switchboard ./cmd/switchboard

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/switchboard /usr/local/bin/switchboard
ENV SWITCHBOARD_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["/usr/local/bin/switchboard"]
CMD ["worker"]
