// Command pulumi-language-nodejs runs Pulumi Node.js programs and plugins for the CLI: it resolves @pulumi/pulumi's
// `cmd/run` (a program) or `cmd/run-plugin` (a source plugin, such as a component provider with PulumiPlugin.yaml)
// from the folder and starts it with node, pointed straight at the engine. For `pulumi package add` it does what
// Pulumi's own host does, with the same libraries: installs dependencies (sdk/v3/nodejs/npm), generates a package's
// local Node.js SDK (pkg/v3/codegen/nodejs) and links it into the project (npm pkg set, allowScripts). Everything
// else (program generation, packing) is left unimplemented, which the CLI handles by falling back.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/cgstrings"
	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/fsutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
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

// streamWriter forwards what a child process writes, as it comes, over one gRPC stream (sends are serialized).
type streamWriter struct {
	mu   *sync.Mutex
	send func([]byte) error
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.send(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// resolveModule finds a module (or script) of a package as node would from dir.
func resolveModule(node, dir, module string) (string, error) {
	cmd := exec.Command(node, "-p", fmt.Sprintf("require.resolve(%q, { paths: [process.cwd()] })", module))
	cmd.Dir = dir
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// packageManager is the project's or plugin's `packagemanager` runtime option (auto, npm, yarn, pnpm, bun).
func packageManager(info *pulumirpc.ProgramInfo) (npm.PackageManagerType, error) {
	pm, ok := info.GetOptions().AsMap()["packagemanager"]
	if !ok {
		return npm.AutoPackageManager, nil
	}
	if s, isString := pm.(string); isString {
		switch t := npm.PackageManagerType(s); t {
		case npm.AutoPackageManager, npm.NpmPackageManager, npm.YarnPackageManager, npm.PnpmPackageManager, npm.BunPackageManager:
			return t, nil
		}
	}
	return "", fmt.Errorf("packagemanager option must be one of auto, npm, yarn, pnpm or bun, got %v", pm)
}

// InstallDependencies installs as Pulumi's host does: the package manager's install in the folder, or in the npm or
// yarn workspace that holds it. One difference: a plugin whose @pulumi/pulumi already resolves (the repository's own
// plugin/ in a checkout, or inside an installed npm package) is left as it is, since the CLI asks again on every
// run and the bed's programs must not write node_modules into the repository.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node is not on PATH")
	}
	if _, err := resolveModule(node, dir, "@pulumi/pulumi/package.json"); err == nil && req.GetIsPlugin() {
		return nil
	}
	pm, err := packageManager(req.GetInfo())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	root := dir
	if workspace, err := npm.FindWorkspaceRoot(dir); err == nil {
		root = workspace
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("looking for a workspace root above %s: %w", dir, err)
	}
	production, _ := req.GetInfo().GetOptions().AsMap()["production"].(bool)
	if _, err := npm.Install(server.Context(), pm, root, production, stdout, stderr); err != nil {
		return err
	}
	return closer.Close()
}

// GeneratePackage writes a package's Node.js SDK, as Pulumi's host does (`pulumi package add` asks for a local one).
func (h *host) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, err
	}
	pkg, diags, err := schema.BindSpec(spec, schema.NewCachedLoader(loader), schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}, nil
	}
	files, err := codegen.GeneratePackage("pulumi-language-nodejs", pkg, req.GetExtraFiles(), req.GetLocalDependencies(),
		req.GetLocal(), schema.NewCachedLoader(loader))
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		out := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out, data, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}, nil
}

// Link adds generated SDKs to the project's package.json (`file:` dependencies, their install scripts allowed), as
// Pulumi's host does, and returns the import lines to show.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	pmType, err := packageManager(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pm, err := npm.ResolvePackageManager(pmType, dir)
	if err != nil {
		return nil, err
	}
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)
	_, tsconfigErr := fsutil.Searchup(dir, "tsconfig.json")
	typescript := tsconfigErr == nil
	var imports strings.Builder
	for _, dep := range req.GetPackages() {
		desc := &schema.PackageDescriptor{Name: dep.GetPackage().GetName(), DownloadURL: dep.GetPackage().GetServer()}
		if v, err := semver.New(dep.GetPackage().GetVersion()); err == nil {
			desc.Version = v
		}
		ref, err := schema.LoadPackageReferenceV2(ctx, cached, desc)
		if err != nil {
			return nil, err
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, err
		}
		if err := pkg.ImportLanguages(map[string]schema.Language{"nodejs": codegen.Importer}); err != nil {
			return nil, err
		}
		name := "@pulumi/" + pkg.Name // Pulumi's host: nodejs.packageName, else @<namespace>/<name>, else this
		if pkg.Namespace != "" {
			name = "@" + pkg.Namespace + "/" + pkg.Name
		}
		if info, ok := pkg.Language["nodejs"].(codegen.NodePackageInfo); ok && info.PackageName != "" {
			name = info.PackageName
		}
		if err := pm.Link(ctx, dir, name, dep.GetPath()); err != nil {
			return nil, err
		}
		if typescript {
			fmt.Fprintf(&imports, "  import * as %s from \"%s\";\n", cgstrings.Camel(ref.Name()), name)
		} else {
			fmt.Fprintf(&imports, "  const %s = require(\"%s\");\n", cgstrings.Camel(ref.Name()), name)
		}
	}
	return &pulumirpc.LinkResponse{ImportInstructions: "You can import the SDK with:\n\n" + imports.String()}, nil
}

// RunPlugin starts a source plugin as Pulumi's own host does: node <@pulumi/pulumi/cmd/run-plugin> <dir> <args>,
// its output streamed back as it comes (the CLI reads the plugin's port from the first line of stdout).
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	ctx := server.Context() // cancelled when the CLI is done with the plugin
	dir := req.GetInfo().GetProgramDirectory()
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node is not on PATH")
	}
	module := "@pulumi/pulumi/cmd/run-plugin"
	if req.GetKind() == "analyzer" {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runPath, err := resolveModule(node, dir, module)
	if err != nil {
		return fmt.Errorf("@pulumi/pulumi is not installed for the plugin in %s: run npm install there", dir)
	}
	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	// The plugin's own folder is its working directory, so that its tsconfig.json applies.
	args := []string{runPath, "--pwd", dir, dir}
	for _, a := range req.GetArgs() {
		// run-plugin's argument parser would take the value after a bare --logtostderr as its own.
		if a == "--logtostderr" || strings.HasPrefix(a, "-v=") {
			continue
		}
		args = append(args, a)
	}
	var mu sync.Mutex
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = streamWriter{&mu, func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	}}
	cmd.Stderr = streamWriter{&mu, func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	}}
	err = cmd.Run()
	if ctx.Err() != nil {
		return nil // stopped by the CLI: nobody listens any more
	}
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

func main() {
	// The CLI passes flags (--tracing <url>, -root=<dir>, -<option>=<value>, ...) and, last, the engine's address.
	var engine string
	for i := 1; i < len(os.Args); i++ {
		a := os.Args[i]
		if a == "--tracing" || a == "-tracing" {
			i++
			continue
		}
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
