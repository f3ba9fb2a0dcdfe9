/**
 * The Java client for modelport.v1: unary, async and streaming batches over the generated stubs.
 * Depends only on the {@code proto} module and grpc; never on DJL or server classes. Nothing here
 * is null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package dev.modelport.client;

import org.jspecify.annotations.NullMarked;
