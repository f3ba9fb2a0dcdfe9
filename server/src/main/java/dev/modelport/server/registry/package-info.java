/**
 * The model registry: one record per model version (LOADING, READY, UNLOADING or FAILED, the
 * instance serving it while READY, and a message), resolving a request's model and version (number,
 * label or default) to a READY {@link dev.modelport.server.runtime.ServedVersion}, and reloading
 * from the store without ever leaving a model with nothing to serve. Listeners hear of every
 * transition in order, outside the locks. Also renders records as {@code ModelStatus}. Depends on
 * {@code runtime} (through its {@code Loader} interface), {@code tensor}, {@code errors} and the
 * store library; not on gRPC or DJL.
 */
package dev.modelport.server.registry;
