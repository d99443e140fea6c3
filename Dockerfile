# syntax=docker/dockerfile:1

# The canonical image build for users. CI builds the same image without a
# Docker daemon (hack/package.sh): a static binary on distroless static,
# nonroot, listening on 9443.
ARG GO_VERSION=1.26

FROM --platform=${BUILDPLATFORM} golang:${GO_VERSION} AS build
WORKDIR /fn
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN --mount=target=/root/go/pkg/mod,type=cache go mod download
ARG TARGETOS
ARG TARGETARCH
# What --version prints: docker build --build-arg VERSION=vX.Y.Z.
ARG VERSION=(devel)
RUN --mount=target=. \
    --mount=target=/root/go/pkg/mod,type=cache \
    --mount=target=/root/.cache/go-build,type=cache \
    GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /function .

FROM gcr.io/distroless/static-debian12:nonroot AS image
WORKDIR /
COPY --from=build /function /function
EXPOSE 9443
USER nonroot:nonroot
ENTRYPOINT ["/function"]
