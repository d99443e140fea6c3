// Command floor serves the floor function (internal/floor) exactly as the
// function's binary serves the function: same SDK server, codec and mutual
// TLS. The load tool driven against it shows what any function pays for gRPC
// and protobuf on the same request.
//
//	go build -o .cache/bin/function-floor ./test/load/floor
//	go run ./test/load -binary .cache/bin/function-floor -floor
package main

import (
	"flag"
	"fmt"
	"os"

	function "github.com/crossplane/function-sdk-go"

	"github.com/eks-gitops/function-eks-gitops/internal/floor"
	"github.com/eks-gitops/function-eks-gitops/internal/grpccodec"
)

func main() {
	certs := flag.String("tls-certs-dir", "", "directory with tls.crt, tls.key and ca.crt")
	address := flag.String("address", ":9443", "address to listen at")
	metrics := flag.String("metrics-address", "", "address to serve metrics at; empty turns them off")
	flag.Parse()
	grpccodec.Register()
	if err := function.Serve(floor.Function{},
		function.Listen("tcp", *address),
		function.MTLSCertificates(*certs),
		function.MaxRecvMessageSize(4*1024*1024),
		function.WithMetricsServer(*metrics),
	); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}
