/**
 * The model repository as a library: scanning a store folder, parsing each model's {@code
 * config.pbtxt}, resolving versions and version policy, and validating names and paths so that
 * nothing outside the store is read. Depends on the generated {@code modelport.v1} messages and the
 * JDK only: no gRPC, no Netty, no DJL.
 */
package dev.modelport.store;
