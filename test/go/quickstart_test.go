// The quickstart as a Go program, run: Pulumi's Automation API drives the bed's CLI with an inline program (which
// needs no Go language host) through multinet.NewMesh, from the Go SDK that `go get` fetched from the repository.
// test/e2e/go-program.test.ts builds this test and runs it with the bed's environment and these variables:
// MULTINET_PLUGIN (the component package's folder), MULTINET_STACK (the stack's name) and MULTINET_WARNING (the
// restart warning the docs show).
package quickstart

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulumi-multinet/pulumi-multinet/sdks/go/multinet"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// program is the docs' Go example (docs/_index.md), as an inline program.
func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	controlPlaneID := cfg.Get("controlPlaneId")
	if controlPlaneID == "" {
		controlPlaneID = "hosted"
	}
	mesh, err := multinet.NewMesh(ctx, "mesh", &multinet.MeshArgs{
		MeshId:       "mesh1",
		ControlPlane: multinet.MeshControlPlaneArgs{Cluster: pulumi.StringRef("hosted")},
		Clusters: []multinet.MeshClusterArgs{
			{Name: "hosted", ClusterId: pulumi.StringRef(controlPlaneID), Kubeconfig: cfg.RequireSecret("hosted"), PodCidrs: []string{"10.10.0.0/16"}},
			{Name: "east-1", Kubeconfig: cfg.RequireSecret("east1"), PodCidrs: []string{"10.20.0.0/16"}},
			{Name: "west-1", Kubeconfig: cfg.RequireSecret("west1"), PodCidrs: []string{"10.20.0.0/16"}},
		},
		Groups: []multinet.MeshGroupArgs{
			{Name: "east", Clusters: []string{"hosted", "east-1"}},
			{Name: "west", Clusters: []string{"west-1"}},
		},
		Gateways: []multinet.MeshGatewayArgs{
			{Name: "east-1", Group: "east", Cluster: "east-1", Replicas: pulumi.Float64Ref(2)},
			{Name: "west-1", Group: "west", Cluster: "west-1", RequestedAddress: pulumi.StringRef("203.0.113.7")},
		},
		Interconnect: &multinet.MeshInterconnectArgs{
			Members: []multinet.MeshMemberArgs{
				{Group: "east", Gateways: []string{"east-1"}},
				{Group: "west", Gateways: []string{"west-1"}},
			},
		},
	})
	if err != nil {
		return err
	}
	ctx.Export("interconnected", mesh.Interconnected)
	ctx.Export("gatewayAddresses", mesh.GatewayAddresses)
	return nil
}

func env(t *testing.T, name string) string {
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run this test through test/e2e/go-program.test.ts", name)
	}
	return v
}

// istiod GETs one of istiod's debug views (the bed's MULTINET_ISTIOD_DEBUG) into out.
func istiod(t *testing.T, view string, out any) {
	resp, err := http.Get(env(t, "MULTINET_ISTIOD_DEBUG") + "/debug/" + view)
	if err != nil {
		t.Fatalf("istiod %s: %v", view, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("istiod %s: %v", view, err)
	}
}

// eventually retries check until it returns "" (for 20 s), then fails with its last answer.
func eventually(t *testing.T, check func() string) {
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if last = check(); last == "" {
			return
		}
	}
	t.Fatal(last)
}

func TestQuickstart(t *testing.T) {
	ctx := context.Background()
	project := workspace.Project{
		Name:    "multinet-go-quickstart",
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		// How the engine finds the component package's plugin: as `pulumi package add` records it.
		Packages: map[string]workspace.PackageSpec{"multinet": {Source: env(t, "MULTINET_PLUGIN")}},
	}
	stack, err := auto.UpsertStackInlineSource(ctx, env(t, "MULTINET_STACK"), project.Name.String(), program, auto.Project(project))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := stack.Destroy(ctx); err != nil {
			t.Errorf("destroy: %v", err)
		}
		if err := stack.Workspace().RemoveStack(ctx, stack.Name()); err != nil {
			t.Errorf("stack rm: %v", err)
		}
	}()
	kubeconfigs := strings.Split(env(t, "MULTINET_BED_KUBECONFIGS"), ":")
	for i, key := range []string{"hosted", "east1", "west1"} {
		text, err := os.ReadFile(kubeconfigs[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := stack.SetConfig(ctx, key, auto.ConfigValue{Value: string(text), Secret: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := stack.SetConfig(ctx, "controlPlaneId", auto.ConfigValue{Value: env(t, "MULTINET_CONTROL_PLANE_ID")}); err != nil {
		t.Fatal(err)
	}

	// The first preview: the engine's events carry the restart warning, as a TypeScript or YAML program's do.
	stream := make(chan events.EngineEvent)
	var warnings []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range stream {
			if d := e.DiagnosticEvent; d != nil && d.Severity == "warning" {
				warnings = append(warnings, strings.TrimSpace(d.Message))
			}
		}
	}()
	if _, err := stack.Preview(ctx, optpreview.EventStreams(stream)); err != nil {
		t.Fatalf("preview: %v", err)
	}
	<-done
	if want := []string{env(t, "MULTINET_WARNING")}; !reflect.DeepEqual(warnings, want) {
		t.Fatalf("the first preview's warnings are %q, want %q", warnings, want)
	}

	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	if got := fmt.Sprint(up.Outputs["interconnected"].Value); got != "[east west]" {
		t.Fatalf("interconnected = %s, want [east west]", got)
	}
	addresses, _ := up.Outputs["gatewayAddresses"].Value.(map[string]any)
	if addresses["west-1"] != "203.0.113.7" || addresses["east-1"] == nil {
		t.Fatalf("gatewayAddresses = %v, want west-1 at 203.0.113.7 and an address for east-1", addresses)
	}

	// What istiod serves: every cluster read, and both groups' gateways.
	eventually(t, func() string {
		var clusters []struct{ ID, SyncStatus string }
		istiod(t, "clusterz", &clusters)
		got := map[string]string{}
		for _, c := range clusters {
			got[c.ID] = c.SyncStatus
		}
		want := map[string]string{env(t, "MULTINET_CONTROL_PLANE_ID"): "synced", "east-1": "synced", "west-1": "synced"}
		if !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("istiod's clusters are %v, want %v", got, want)
		}
		return ""
	})
	eventually(t, func() string {
		var gateways []struct {
			Network, Addr string
			Port          int
		}
		istiod(t, "networkz", &gateways)
		got := map[string]string{}
		for _, g := range gateways {
			got[g.Network] = fmt.Sprintf("%s:%d", g.Addr, g.Port)
		}
		want := map[string]string{"east": fmt.Sprintf("%s:15443", addresses["east-1"]), "west": "203.0.113.7:15443"}
		if !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("istiod's network gateways are %v, want %v", got, want)
		}
		return ""
	})

	again, err := stack.Preview(ctx)
	if err != nil {
		t.Fatalf("second preview: %v", err)
	}
	for op, n := range again.ChangeSummary {
		if op != "same" && n > 0 {
			t.Fatalf("a second preview would %s %d resources: %v", op, n, again.ChangeSummary)
		}
	}
}
