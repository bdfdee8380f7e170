// istiod's debug views as the check and the waits read them (shapes from Istio 1.31's pilot/pkg/xds/debug.go).
import { endpointsOf, proxiesOf, secretEventsOf } from "../../provider/istiod";

test("endpointShardz: every address with its service, namespace, cluster and network", () => {
    const shardz = {
        "helloworld.sample.svc.cluster.local": {
            sample: {
                Shards: {
                    "Kubernetes/cluster-3": [
                        { Addresses: ["10.3.0.10"], Network: "west", Locality: { ClusterID: "cluster-3" } },
                        { Addresses: ["10.3.0.11", "fd00::11"], Network: "west", Locality: { ClusterID: "cluster-3" } },
                    ],
                },
            },
        },
    };
    expect(endpointsOf(shardz)).toEqual(
        ["10.3.0.10", "10.3.0.11", "fd00::11"].map((address) => ({
            service: "helloworld.sample.svc.cluster.local",
            namespace: "sample",
            address,
            cluster: "cluster-3",
            network: "west",
        })),
    );
    expect(endpointsOf(null)).toEqual([]);
});

test("adsz and syncz: each connected proxy's id (its connection id without the counter), type, cluster and own network", () => {
    const adsz = {
        clients: [
            { connectionId: "helloworld-v1-a.sample-17", metadata: { CLUSTER_ID: "cluster-3", NETWORK: "west" } },
            { connectionId: "istio-eastwestgateway-x.istio-system-3", metadata: { CLUSTER_ID: "cluster-3" } },
        ],
    };
    const syncz = [
        { proxy: "helloworld-v1-a.sample", proxy_type: "sidecar" },
        { proxy: "istio-eastwestgateway-x.istio-system", proxy_type: "router" },
    ];
    expect(proxiesOf(adsz, syncz)).toEqual([
        { id: "helloworld-v1-a.sample", type: "sidecar", cluster: "cluster-3", network: "west" },
        { id: "istio-eastwestgateway-x.istio-system", type: "router", cluster: "cluster-3", network: "" },
    ]);
});

test("the remote-secret event counter sums every event kind from istiod's Prometheus text", () => {
    const metrics = [
        "# HELP remote_cluster_secret_events_total Number of times a remote cluster secret was added or updated.",
        "# TYPE remote_cluster_secret_events_total counter",
        'remote_cluster_secret_events_total{event="add"} 3',
        'remote_cluster_secret_events_total{event="update"} 2',
        'remote_cluster_sync_timeouts_total{cluster="c"} 9',
    ].join("\n");
    expect(secretEventsOf(metrics)).toBe(5);
    expect(secretEventsOf("")).toBe(0);
});
