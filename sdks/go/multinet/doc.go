// Connect the Pod networks of several Kubernetes clusters in one Istio mesh through east-west gateways, declaratively.
package multinet
