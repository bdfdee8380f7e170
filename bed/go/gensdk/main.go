// Command gensdk writes the Go or Python SDK of a Pulumi package schema with Pulumi's own code generators
// (pkg/codegen, at the CLI's version). `pulumi package gen-sdk` would ask the language's host to do it, and the
// Go and Python hosts are not available as Go modules here.
//
// Usage: gensdk -schema plugin/schema.json -language go|python -out sdks/go
//
// Each language's options (the Go import path, Python's package name) are the schema's own: the plugin serves them.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-multinet gensdk"

// noPackages is the loader of a schema that references no other package: it refuses every lookup.
type noPackages struct{}

func (noPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q; gensdk loads none", name)
}

func (noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q; gensdk loads none", d.Name)
}

func (noPackages) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q; gensdk loads none", name)
}

func (noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q; gensdk loads none", d.Name)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gensdk: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	schemaPath := flag.String("schema", "", "the package's schema (pulumi package get-schema)")
	language := flag.String("language", "", "go or python")
	out := flag.String("out", "", "the folder to write the SDK into (emptied first)")
	flag.Parse()
	if *schemaPath == "" || *out == "" || (*language != "go" && *language != "python") {
		fail("usage: gensdk -schema <schema.json> -language go|python -out <dir>")
	}
	raw, err := os.ReadFile(*schemaPath)
	if err != nil {
		fail("%v", err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		fail("schema: %v", err)
	}
	// Packable SDKs, as `pulumi package gen-sdk` writes them: a go.mod with the Go SDK, pyproject.toml with Python's.
	if spec.Meta == nil {
		spec.Meta = &schema.MetadataSpec{}
	}
	spec.Meta.SupportPack = true
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		fail("schema: %v", err)
	}
	if diags.HasErrors() {
		fail("schema: %v", diags)
	}
	var files map[string][]byte
	switch *language {
	case "go":
		files, err = gogen.GeneratePackage(tool, pkg, nil)
	case "python":
		files, err = pygen.GeneratePackage(tool, pkg, nil, noPackages{})
	}
	if err != nil {
		fail("%s: %v", *language, err)
	}
	if err := os.RemoveAll(*out); err != nil {
		fail("%v", err)
	}
	for name, content := range files {
		path := filepath.Join(*out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fail("%v", err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			fail("%v", err)
		}
	}
}
