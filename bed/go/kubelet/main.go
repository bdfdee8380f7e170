// Command kubelet plays the one part of a kubelet that the bed needs: its port-forward endpoint. The API server
// reaches it for pods/portforward (kubectl port-forward, istioctl, client-node's PortForward) at
// https://<node InternalIP>:<kubeletEndpoint port>/portForward/<namespace>/<pod>, authenticating with its kubelet
// client certificate; Kubernetes' own streaming code (k8s.io/kubelet/pkg/cri/streaming/portforward, SPDY and
// websocket v4) serves it, and each forwarded connection is a TCP connection to the local address that the pod map
// gives the pod's port. The pod map, re-read on every request, is a JSON file:
//
//	{"istio-system/istiod-bed": {"15014": "127.0.0.1:40123", "8080": "127.0.0.1:40124"}}
//
// A pod that is not in the map is not on this node (404, as the kubelet answers); a port it has no entry for is
// refused, as a port nothing listens on in the pod's network namespace would be. /healthz answers "ok".
//
// Usage: kubelet -listen 127.0.0.1:10250 -tls-cert-file kubelet.crt -tls-private-key-file kubelet.key -client-ca-file ca.crt -pods pods.json
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/kubelet/pkg/cri/streaming/portforward"
)

// The kubelet's defaults: KubeletConfiguration.streamingConnectionIdleTimeout, and the stream creation timeout of
// its CRI streaming server (streaming.DefaultConfig).
const (
	idleTimeout           = 4 * time.Hour
	streamCreationTimeout = remotecommand.DefaultStreamCreationTimeout
)

// podMap reads the pod map: "namespace/name" -> container port -> local address.
type podMap string

func (m podMap) read() (map[string]map[string]string, error) {
	data, err := os.ReadFile(string(m))
	if err != nil {
		return nil, err
	}
	pods := map[string]map[string]string{}
	return pods, json.Unmarshal(data, &pods)
}

// PortForward copies one forwarded connection between the stream and the pod port's local address, as container
// runtimes do (containerd's sandbox_portforward_linux.go): until either side ends, then at most a second more.
func (m podMap) PortForward(ctx context.Context, pod string, _ types.UID, port int32, stream io.ReadWriteCloser) error {
	pods, err := m.read()
	if err != nil {
		return err
	}
	addr, ok := pods[pod][strconv.Itoa(int(port))]
	if !ok {
		return fmt.Errorf("failed to connect to localhost:%d inside pod %s: nothing listens there (no such port in the pod map)", port, pod)
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	done := make(chan error, 2)
	go func() {
		_, err := io.Copy(stream, conn)
		done <- err
	}()
	go func() {
		_, err := io.Copy(conn, stream)
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.CloseWrite() // the client is done sending: let the pod's server see EOF and answer
		}
		done <- err
	}()
	first := <-done
	select {
	case err := <-done:
		return errors.Join(first, err)
	case <-time.After(time.Second):
		return first
	}
}

func (m podMap) serve(w http.ResponseWriter, r *http.Request) {
	pod := r.PathValue("namespace") + "/" + r.PathValue("pod")
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pods, err := m.read()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if _, ok := pods[pod]; !ok {
		http.Error(w, "pod does not exist", http.StatusNotFound)
		return
	}
	portforward.ServePortForward(w, r, m, pod, "", opts, idleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:10250", "address to serve on (the Node's InternalIP and kubelet port)")
	certFile := flag.String("tls-cert-file", "", "serving certificate")
	keyFile := flag.String("tls-private-key-file", "", "serving certificate's key")
	clientCA := flag.String("client-ca-file", "", "CA of the client certificates accepted (the API server's kubelet client certificate)")
	pods := flag.String("pods", "", "pod map: JSON {\"namespace/name\": {\"port\": \"host:port\"}}")
	flag.Parse()
	if *certFile == "" || *keyFile == "" || *clientCA == "" || *pods == "" {
		flag.Usage()
		os.Exit(2)
	}
	caPEM, err := os.ReadFile(*clientCA)
	if err != nil {
		log.Fatal(err)
	}
	cas := x509.NewCertPool()
	if !cas.AppendCertsFromPEM(caPEM) {
		log.Fatalf("no certificate in %s", *clientCA)
	}
	m := podMap(*pods)
	mux := http.NewServeMux()
	// The kubelet's routes (pkg/kubelet/server/server.go); the API server calls the first.
	mux.HandleFunc("/portForward/{namespace}/{pod}", m.serve)
	mux.HandleFunc("/portForward/{namespace}/{pod}/{uid}", m.serve)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	srv := &http.Server{
		Addr:    *listen,
		Handler: mux,
		TLSConfig: &tls.Config{
			ClientAuth: tls.RequireAndVerifyClientCert,
			ClientCAs:  cas,
			MinVersion: tls.VersionTLS12,
		},
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // HTTP/1.1 only: upgrades need it
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Printf("kubelet: serving port-forward on https://%s (pods in %s)", *listen, *pods)
	log.Fatal(srv.ListenAndServeTLS(*certFile, *keyFile))
}
