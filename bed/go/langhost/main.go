// Command pulumi-language-nodejs runs Pulumi Node.js programs for the CLI: it resolves @pulumi/pulumi's
// `cmd/run` script from the program's folder and starts it with node, pointed straight at the engine's
// resource monitor. Everything else (plugin installation, code generation) is left unimplemented, which the
// CLI handles by falling back.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The run script exits with this code after printing an error meant for the user (no stack trace wanted).
const exitAfterUserMessage = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	// Done when the engine is gone: programs still running are stopped with it.
	alive context.Context
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir, entry := req.GetPwd(), "."
	if info := req.GetInfo(); info != nil {
		programDir = info.GetProgramDirectory()
		if e := info.GetEntryPoint(); e != "" {
			entry = e
		}
	} else if p := req.GetProgram(); p != "" {
		entry = p
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node is not on PATH"}, nil
	}
	resolve := exec.Command(node, "-p", `require.resolve("@pulumi/pulumi/cmd/run", { paths: [process.cwd()] })`)
	resolve.Dir = programDir
	out, err := resolve.Output()
	if err != nil {
		return &pulumirpc.RunResponse{Error: "@pulumi/pulumi is not installed for this program: run npm install"}, nil
	}
	runScript := strings.TrimSpace(string(out))

	args := []string{runScript, "--monitor", req.GetMonitorAddress(), "--engine", h.engineAddress,
		"--project", req.GetProject(), "--stack", req.GetStack(), "--pwd", req.GetPwd(),
		"--parallel", strconv.Itoa(int(req.GetParallel()))}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		args = append(args, "--root-directory", root)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{} // the SDK expects an object, also when the stack has no config
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(append([]string{}, req.GetConfigSecretKeys()...))
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	// Runtime options of Pulumi.yaml (runtime.options): the ones a TypeScript program needs.
	opts := req.GetInfo().GetOptions().AsMap()
	if v, ok := opts["typescript"].(bool); ok {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(v))
	}
	if v, ok := opts["tsconfig"].(string); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}
	if v, ok := opts["nodeargs"].(string); ok && v != "" {
		args = append(strings.Fields(v), args...)
	}
	cmd := exec.CommandContext(h.alive, node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = env
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == exitAfterUserMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with an error: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func main() {
	// The CLI passes flags (-root, -tracing, runtime options) and, last, the engine's address.
	var engine string
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			engine = a
		}
	}
	// Exit with the engine, as Pulumi's own language hosts do: a CLI killed outright leaves no host behind.
	alive, engineGone := context.WithCancel(context.Background())
	stop := make(chan bool, 1)
	go func() {
		<-alive.Done()
		stop <- true
	}()
	if engine != "" {
		if err := rpcutil.Healthcheck(alive, engine, 2*time.Second, engineGone); err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
			os.Exit(1)
		}
	}
	h := &host{engineAddress: engine, alive: alive}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}
