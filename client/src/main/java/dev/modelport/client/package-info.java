/**
 * The Java client for modelport.v1: unary, async and streaming batches over the generated stubs.
 * Depends only on the {@code proto} module and grpc; never on DJL or server classes.
 */
package dev.modelport.client;
