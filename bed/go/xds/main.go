// Command xds asks istiod, over its plain-text xDS port, for what one proxy would receive: it connects as a
// sidecar (or, with -router, an east-west gateway) of a given cluster and network, requests the EDS of one
// service port, and prints the endpoints as JSON: [{"address","port","weight","cluster"}].
//
// With -hold, it stays connected for that long after printing (a running proxy, as istiod's /debug/adsz lists it).
//
// Usage: xds -istiod 127.0.0.1:15010 -cluster cluster-2 -network west [-router] [-ip 10.2.0.10] [-name pod] [-hold 5m] helloworld.sample.svc.cluster.local:5000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

const edsType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"

type result struct {
	Address string `json:"address"`
	Port    uint32 `json:"port"`
	Weight  uint32 `json:"weight"`
	// Cluster is the Istio cluster ID istiod attaches to the endpoint ("" for a gateway from meshNetworks).
	Cluster string `json:"cluster"`
}

func main() {
	istiod := flag.String("istiod", "", "istiod's plain-text xDS address (host:port)")
	clusterID := flag.String("cluster", "", "Istio cluster ID of the proxy")
	networkID := flag.String("network", "", "Istio network of the proxy")
	router := flag.Bool("router", false, "connect as an east-west gateway (router) whose view is its own network")
	ip := flag.String("ip", "10.255.255.1", "the proxy's IP (a Pod IP of that cluster, or any)")
	timeout := flag.Duration("timeout", 15*time.Second, "how long to wait for the answer")
	name := flag.String("name", "xds-probe", "the proxy's pod name (its proxy id is <name>.<namespace>)")
	hold := flag.Duration("hold", 0, "stay connected this long after printing the answer")
	flag.Parse()
	if *istiod == "" || *clusterID == "" || flag.NArg() != 1 {
		fail("usage: xds -istiod host:port -cluster <id> -network <network> [-router] <service-host>:<port>")
	}
	host, port, err := net.SplitHostPort(flag.Arg(0))
	if err != nil {
		fail("service must be <host>:<port>: %v", err)
	}
	ns := "default"
	if parts := strings.Split(host, "."); len(parts) > 1 {
		ns = parts[1]
	}
	eps, err := fetch(*istiod, node(*clusterID, *networkID, *router, *ip, ns, *name), fmt.Sprintf("outbound|%s||%s", port, host), *timeout, *hold)
	if err != nil {
		fail("%v", err)
	}
	if *hold == 0 {
		out, _ := json.Marshal(eps)
		fmt.Println(string(out))
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "xds: "+format+"\n", args...)
	os.Exit(1)
}

func node(clusterID, networkID string, router bool, ip, ns, pod string) *core.Node {
	kind, name := "sidecar", pod+"."+ns
	meta := map[string]any{
		"CLUSTER_ID":    clusterID,
		"NETWORK":       networkID,
		"ISTIO_VERSION": "1.31.0",
		"NAMESPACE":     ns,
		"INSTANCE_IPS":  ip,
		"LABELS":        map[string]any{"app": "xds-probe"},
	}
	if router {
		kind, name = "router", "istio-eastwestgateway-probe.istio-system"
		meta["NAMESPACE"] = "istio-system"
		meta["REQUESTED_NETWORK_VIEW"] = networkID
		meta["LABELS"] = map[string]any{"istio": "eastwestgateway", "app": "istio-eastwestgateway", "topology.istio.io/network": networkID}
	}
	st, err := structpb.NewStruct(meta)
	if err != nil {
		fail("metadata: %v", err)
	}
	domain := ns + ".svc.cluster.local"
	if router {
		domain = "istio-system.svc.cluster.local"
	}
	return &core.Node{Id: fmt.Sprintf("%s~%s~%s~%s", kind, ip, name, domain), Metadata: st}
}

func fetch(addr string, n *core.Node, edsCluster string, timeout, hold time.Duration) ([]result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+hold)
	defer cancel()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close()
	stream, err := discovery.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return nil, fmt.Errorf("open ADS stream to %s: %w", addr, err)
	}
	req := &discovery.DiscoveryRequest{Node: n, TypeUrl: edsType, ResourceNames: []string{edsCluster}}
	if err := stream.Send(req); err != nil {
		return nil, fmt.Errorf("send EDS request: %w", err)
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return nil, fmt.Errorf("no EDS answer for %s: %w", edsCluster, err)
		}
		if resp.GetTypeUrl() != edsType {
			continue
		}
		for _, any := range resp.GetResources() {
			cla := &endpoint.ClusterLoadAssignment{}
			if err := any.UnmarshalTo(cla); err != nil {
				return nil, fmt.Errorf("decode EDS: %w", err)
			}
			if cla.GetClusterName() != edsCluster {
				continue
			}
			eps := flatten(cla)
			if hold > 0 {
				// Held: print the answer, acknowledge it, and stay connected as a running proxy does.
				out, _ := json.Marshal(eps)
				fmt.Println(string(out))
				_ = stream.Send(&discovery.DiscoveryRequest{TypeUrl: edsType, ResourceNames: []string{edsCluster}, VersionInfo: resp.GetVersionInfo(), ResponseNonce: resp.GetNonce()})
				select {
				case <-time.After(hold):
				case <-ctx.Done():
				}
			}
			return eps, nil
		}
		// Acknowledge and wait for the resource we asked for.
		req = &discovery.DiscoveryRequest{TypeUrl: edsType, ResourceNames: []string{edsCluster}, VersionInfo: resp.GetVersionInfo(), ResponseNonce: resp.GetNonce()}
		if err := stream.Send(req); err != nil {
			return nil, fmt.Errorf("ack: %w", err)
		}
	}
}

func flatten(cla *endpoint.ClusterLoadAssignment) []result {
	out := []result{}
	for _, loc := range cla.GetEndpoints() {
		for _, ep := range loc.GetLbEndpoints() {
			sa := ep.GetEndpoint().GetAddress().GetSocketAddress()
			if sa == nil {
				continue
			}
			out = append(out, result{
				Address: sa.GetAddress(),
				Port:    sa.GetPortValue(),
				Weight:  ep.GetLoadBalancingWeight().GetValue(),
				Cluster: clusterOf(ep),
			})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Address != out[j].Address {
			return out[i].Address < out[j].Address
		}
		return out[i].Port < out[j].Port
	})
	return out
}

// clusterOf reads the cluster ID from Istio's endpoint metadata "istio.workload" (name;ns;svc;rev;cluster).
func clusterOf(ep *endpoint.LbEndpoint) string {
	w := ep.GetMetadata().GetFilterMetadata()["istio"].GetFields()["workload"].GetStringValue()
	if parts := strings.Split(w, ";"); len(parts) == 5 {
		return parts[4]
	}
	return ""
}
