/**
 * The model registry: which versions of which models are served, resolving a request's model and
 * version (number, label or default) to a READY {@link dev.modelport.server.runtime.ServedVersion},
 * and reloading from the store so that new versions load, removed ones drain and unload, and a
 * failed load leaves the serving version untouched. Also renders states as {@code ModelStatus}.
 * Depends on {@code runtime}, {@code tensor}, {@code errors} and the store library; not on gRPC.
 */
package dev.modelport.server.registry;
