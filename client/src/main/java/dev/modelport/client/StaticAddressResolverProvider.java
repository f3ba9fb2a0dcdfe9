package dev.modelport.client;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;

/**
 * Resolves a fixed list of replica addresses, so one channel can round-robin across replicas given
 * as {@code host:port} pairs (grpc-java has no public resolver for a static list).
 */
final class StaticAddressResolverProvider extends NameResolverProvider {
  static final String SCHEME = "modelport-static";

  private final List<InetSocketAddress> addresses;

  StaticAddressResolverProvider(List<InetSocketAddress> addresses) {
    this.addresses = List.copyOf(addresses);
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return "modelport";
      }

      @Override
      public void start(Listener2 listener) {
        List<EquivalentAddressGroup> groups =
            addresses.stream()
                .map(a -> new EquivalentAddressGroup(List.<SocketAddress>of(a)))
                .toList();
        listener.onResult(
            ResolutionResult.newBuilder()
                .setAddressesOrError(io.grpc.StatusOr.fromValue(groups))
                .setAttributes(Attributes.EMPTY)
                .build());
      }

      @Override
      public void shutdown() {}
    };
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public java.util.Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }
}
