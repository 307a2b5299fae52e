/*
 * DynamoDB Local bound to one address (127.0.0.1 unless -Ddynamodb.local.host says otherwise).
 *
 * DynamoDB Local has no -host flag (see `java -jar DynamoDBLocal.jar -help`): its Jetty server listens on
 * every interface, so anyone on the network could read and write the local data. This launcher builds the
 * server exactly as DynamoDB Local's own main does (same command-line flags), sets the host of its
 * connectors before it starts, and fails rather than listen anywhere else.
 */
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    if (proxy == null) return; // -help or -version: DynamoDB Local printed its answer
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector network) {
        network.setHost(host);
        bound++;
      }
    }
    if (bound == 0 || bound != server.getConnectors().length) {
      throw new IllegalStateException("DynamoDB Local: cannot bind every connector to " + host);
    }
    proxy.start();
  }
}
