/*
 * Builds the AppCDS archive (class data sharing) DynamoDB Local starts from: the classes a JVM loads to
 * start DynamoDB Local and serve the usual requests, stored once, mapped by every later start instead of
 * being loaded, verified and linked again (about 40 % less JVM CPU until the first answer).
 *
 *   java -cp <launcher classes> DynamoDbLocalArchive <launcher classes> <DynamoDB Local folder> <archive folder>
 *        <classpath> <JVM flag>...
 *
 * Run in the background by local/dynamodb/launcher.ts after a start has answered, at most one at a time
 * (the launcher holds <archive folder>.lock, removed here at the end). It
 *
 * 1. writes the jars the archive is made with into <archive folder>, unless there: the launcher's classes
 *    as a jar and DynamoDBLocal.jar without its manifest's Class-Path (AppCDS refuses a class path with a
 *    folder in it, and that Class-Path names "."). Written in a private folder, then renamed: a folder that
 *    exists is complete;
 * 2. starts a throwaway DynamoDB Local with -XX:ArchiveClassesAtExit on <classpath> (which names those
 *    jars and the DynamoDB Local libraries, exactly as the starts that use the archive will), in the
 *    training mode below: it serves each kind of request once and exits normally, which is when the JVM
 *    writes the archive (a killed JVM writes nothing);
 * 3. on exit code 0, renames the private archive file to <archive folder>/archive.jsa: a file of that
 *    name is always complete. On any failure the reason goes to <archive folder>.failed (the launcher does
 *    not try again for a day) and nothing else is left behind.
 */
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

public class DynamoDbLocalArchive {
  /** The archive's file name inside the archive folder. */
  static final String ARCHIVE = "archive.jsa";
  static final long TRAINING_TIMEOUT_MINUTES = 5;

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--train")) {
      train(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (args.length < 4) {
      System.err.println("usage: DynamoDbLocalArchive <classes> <DynamoDB Local folder> <archive folder> <classpath> <JVM flag>...");
      System.exit(2);
    }
    Path classes = Path.of(args[0]);
    Path folder = Path.of(args[1]);
    Path dir = Path.of(args[2]);
    String classpath = args[3];
    List<String> javaOptions = Arrays.asList(args).subList(4, args.length);
    Path lock = sibling(dir, ".lock");
    Path log = sibling(dir, ".build-" + ProcessHandle.current().pid() + ".log");
    Path building = dir.resolve(ARCHIVE + "." + ProcessHandle.current().pid() + ".tmp");
    boolean built = false;
    try {
      if (!Files.isRegularFile(dir.resolve("DynamoDBLocal.jar")) || !Files.isRegularFile(dir.resolve("loopback.jar"))) {
        // None yet, or some removed (a temp-folder cleaner): all anew, with the archive made from them.
        deleteTree(dir);
        writeJars(classes, folder, dir);
      }
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(javaOptions);
      command.add("-XX:ArchiveClassesAtExit=" + building);
      command.add("-Djava.library.path=" + folder.resolve("DynamoDBLocal_lib"));
      command.add("-Ddynamodb.local.host=127.0.0.1");
      command.addAll(List.of("-cp", classpath, "DynamoDbLocalArchive", "--train"));
      command.addAll(List.of("-port", String.valueOf(port), "-inMemory", "-sharedDb", "-disableTelemetry"));
      Process training = new ProcessBuilder(command)
          .directory(folder.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      if (!training.waitFor(TRAINING_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        training.destroyForcibly().waitFor();
        throw new IOException("the training JVM did not finish in " + TRAINING_TIMEOUT_MINUTES + " minutes");
      }
      if (training.exitValue() != 0) {
        throw new IOException("the training JVM exited with code " + training.exitValue());
      }
      if (!Files.isRegularFile(building) || Files.size(building) == 0) {
        throw new IOException("the training JVM wrote no archive");
      }
      // A rename within one folder: whoever reads archive.jsa sees a whole archive, this one or another's.
      Files.move(building, dir.resolve(ARCHIVE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(log);
      Files.deleteIfExists(sibling(dir, ".failed"));
      built = true;
    } catch (Exception error) {
      String output = "";
      try {
        output = Files.readString(log);
      } catch (IOException ignored) {
        // No training output.
      }
      String tail = output.length() > 20_000 ? output.substring(output.length() - 20_000) : output;
      Files.writeString(sibling(dir, ".failed"), error + "\n" + tail, StandardCharsets.UTF_8);
      Files.deleteIfExists(log);
      Files.deleteIfExists(building);
    } finally {
      Files.deleteIfExists(lock);
    }
    if (!built) System.exit(1);
  }

  private static Path sibling(Path dir, String suffix) {
    return dir.resolveSibling(dir.getFileName() + suffix);
  }

  /** The launcher's classes as loopback.jar and DynamoDBLocal.jar without Class-Path, in `dir` (renamed into place). */
  private static void writeJars(Path classes, Path folder, Path dir) throws IOException {
    Path staging = sibling(dir, "." + ProcessHandle.current().pid() + ".tmp");
    deleteTree(staging);
    Files.createDirectories(staging);
    try {
      Manifest plain = new Manifest();
      plain.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(staging.resolve("loopback.jar")), plain);
          DirectoryStream<Path> files = Files.newDirectoryStream(classes, "*.class")) {
        for (Path file : files) {
          jar.putNextEntry(new JarEntry(file.getFileName().toString()));
          Files.copy(file, jar);
          jar.closeEntry();
        }
      }
      try (JarFile source = new JarFile(folder.resolve("DynamoDBLocal.jar").toFile())) {
        Manifest manifest = new Manifest(source.getManifest());
        manifest.getMainAttributes().remove(Attributes.Name.CLASS_PATH);
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(staging.resolve("DynamoDBLocal.jar")), manifest)) {
          byte[] buffer = new byte[1 << 16];
          for (Enumeration<JarEntry> entries = source.entries(); entries.hasMoreElements(); ) {
            JarEntry entry = entries.nextElement();
            if (entry.getName().equalsIgnoreCase(JarFile.MANIFEST_NAME)) continue;
            JarEntry copy = new JarEntry(entry.getName());
            copy.setTime(entry.getTime());
            jar.putNextEntry(copy);
            try (InputStream in = source.getInputStream(entry)) {
              for (int n; (n = in.read(buffer)) > 0; ) jar.write(buffer, 0, n);
            }
            jar.closeEntry();
          }
        }
      }
      try {
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
        // Another build wrote the same jars first.
      } catch (IOException notEmpty) {
        if (!Files.isRegularFile(dir.resolve("DynamoDBLocal.jar"))) throw notEmpty;
      }
    } finally {
      deleteTree(staging);
    }
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path)) return;
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
    }
  }

  /**
   * Training: DynamoDB Local started as by LoopbackDynamoDbLocal, then each kind of request the local
   * cloud sends, once (tables with an index and a stream, items, queries, batches, transactions, a failed
   * condition, the stream's records), then a normal exit, when the JVM writes the archive.
   */
  private static void train(String[] args) throws Exception {
    int port = Integer.parseInt(args[Arrays.asList(args).indexOf("-port") + 1]);
    LoopbackDynamoDbLocal.main(args);
    try {
      for (int attempt = 0; ; attempt++) {
        try {
          call(port, "DynamoDB_20120810.ListTables", "{}", 200);
          break;
        } catch (IOException notYet) {
          if (attempt > 100) throw notYet;
          Thread.sleep(100);
        }
      }
      String table = "\"TableName\":\"training\"";
      String created = call(port, "DynamoDB_20120810.CreateTable", """
          {"TableName":"training","BillingMode":"PAY_PER_REQUEST",
           "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},
             {"AttributeName":"gsi1pk","AttributeType":"S"}],
           "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
           "GlobalSecondaryIndexes":[{"IndexName":"gsi1","KeySchema":[{"AttributeName":"gsi1pk","KeyType":"HASH"},
             {"AttributeName":"sk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}],
           "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}""", 200);
      call(port, "DynamoDB_20120810.DescribeTable", "{" + table + "}", 200);
      call(port, "DynamoDB_20120810.UpdateTimeToLive",
          "{" + table + ",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"expiresAt\"}}", 200);
      String item = "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"1\"},\"gsi1pk\":{\"S\":\"g\"},\"n\":{\"N\":\"1\"},"
          + "\"m\":{\"M\":{\"l\":{\"L\":[{\"S\":\"x\"},{\"BOOL\":true},{\"NULL\":true}]}}},\"b\":{\"B\":\"AAEC\"}}";
      String key = "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"1\"}}";
      call(port, "DynamoDB_20120810.PutItem", "{" + table + ",\"Item\":" + item
          + ",\"ConditionExpression\":\"attribute_not_exists(pk)\"}", 200);
      call(port, "DynamoDB_20120810.PutItem", "{" + table + ",\"Item\":" + item
          + ",\"ConditionExpression\":\"attribute_not_exists(pk)\"}", 400);
      call(port, "DynamoDB_20120810.GetItem", "{" + table + ",\"Key\":" + key + ",\"ConsistentRead\":true,"
          + "\"ProjectionExpression\":\"pk, #n, m.l[0]\",\"ExpressionAttributeNames\":{\"#n\":\"n\"}}", 200);
      call(port, "DynamoDB_20120810.UpdateItem", "{" + table + ",\"Key\":" + key
          + ",\"UpdateExpression\":\"SET #s = :s, m.l = list_append(m.l, :l) ADD #n :one REMOVE b\","
          + "\"ConditionExpression\":\"#n < :ten AND begins_with(gsi1pk, :g)\","
          + "\"ExpressionAttributeNames\":{\"#s\":\"status\",\"#n\":\"n\"},"
          + "\"ExpressionAttributeValues\":{\":s\":{\"S\":\"OK\"},\":one\":{\"N\":\"1\"},\":ten\":{\"N\":\"10\"},"
          + "\":g\":{\"S\":\"g\"},\":l\":{\"L\":[{\"N\":\"2\"}]}},\"ReturnValues\":\"ALL_NEW\"}", 200);
      StringBuilder batch = new StringBuilder();
      for (int i = 2; i <= 25; i++) {
        if (batch.length() > 0) batch.append(',');
        batch.append("{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"").append(i)
            .append("\"},\"gsi1pk\":{\"S\":\"g\"},\"s\":{\"SS\":[\"x\",\"y\"]}}}}");
      }
      call(port, "DynamoDB_20120810.BatchWriteItem", "{\"RequestItems\":{\"training\":[" + batch + "]}}", 200);
      call(port, "DynamoDB_20120810.BatchGetItem", "{\"RequestItems\":{\"training\":{\"Keys\":[" + key
          + ",{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"2\"}}]}}}", 200);
      call(port, "DynamoDB_20120810.Query", "{" + table + ",\"KeyConditionExpression\":\"pk = :p AND sk BETWEEN :a AND :b\","
          + "\"FilterExpression\":\"attribute_exists(gsi1pk) OR contains(s, :x)\",\"Limit\":5,\"ScanIndexForward\":false,"
          + "\"ExpressionAttributeValues\":{\":p\":{\"S\":\"a\"},\":a\":{\"S\":\"1\"},\":b\":{\"S\":\"9\"},\":x\":{\"S\":\"x\"}}}", 200);
      call(port, "DynamoDB_20120810.Query", "{" + table + ",\"IndexName\":\"gsi1\",\"KeyConditionExpression\":\"gsi1pk = :g\","
          + "\"Select\":\"COUNT\",\"ExpressionAttributeValues\":{\":g\":{\"S\":\"g\"}}}", 200);
      call(port, "DynamoDB_20120810.Scan", "{" + table + ",\"Limit\":10}", 200);
      call(port, "DynamoDB_20120810.TransactWriteItems", "{\"TransactItems\":["
          + "{\"ConditionCheck\":{" + table + ",\"Key\":" + key + ",\"ConditionExpression\":\"attribute_exists(pk)\"}},"
          + "{\"Put\":{" + table + ",\"Item\":{\"pk\":{\"S\":\"t\"},\"sk\":{\"S\":\"1\"}}}},"
          + "{\"Update\":{" + table + ",\"Key\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"2\"}},\"UpdateExpression\":\"SET v = :v\","
          + "\"ExpressionAttributeValues\":{\":v\":{\"N\":\"3\"}}}},"
          + "{\"Delete\":{" + table + ",\"Key\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"3\"}}}}]}", 200);
      call(port, "DynamoDB_20120810.TransactWriteItems", "{\"TransactItems\":["
          + "{\"Put\":{" + table + ",\"Item\":{\"pk\":{\"S\":\"t\"},\"sk\":{\"S\":\"1\"}},"
          + "\"ConditionExpression\":\"attribute_not_exists(pk)\"}}]}", 400);
      call(port, "DynamoDB_20120810.TransactGetItems", "{\"TransactItems\":[{\"Get\":{" + table + ",\"Key\":" + key + "}}]}", 200);
      call(port, "DynamoDB_20120810.DeleteItem", "{" + table + ",\"Key\":" + key + ",\"ReturnValues\":\"ALL_OLD\"}", 200);
      Matcher streamArn = Pattern.compile("\"LatestStreamArn\":\"([^\"]+)\"").matcher(created);
      if (streamArn.find()) {
        String stream = call(port, "DynamoDBStreams_20120810.DescribeStream",
            "{\"StreamArn\":\"" + streamArn.group(1) + "\"}", 200);
        Matcher shard = Pattern.compile("\"ShardId\":\"([^\"]+)\"").matcher(stream);
        if (shard.find()) {
          String iterator = call(port, "DynamoDBStreams_20120810.GetShardIterator", "{\"StreamArn\":\"" + streamArn.group(1)
              + "\",\"ShardId\":\"" + shard.group(1) + "\",\"ShardIteratorType\":\"TRIM_HORIZON\"}", 200);
          Matcher next = Pattern.compile("\"ShardIterator\":\"([^\"]+)\"").matcher(iterator);
          if (next.find()) {
            call(port, "DynamoDBStreams_20120810.GetRecords", "{\"ShardIterator\":\"" + next.group(1) + "\"}", 200);
          }
        }
      }
      call(port, "DynamoDB_20120810.DeleteTable", "{" + table + "}", 200);
    } catch (Exception error) {
      error.printStackTrace();
      System.exit(3);
    }
    System.exit(0);
  }

  /** One DynamoDB JSON request; fails unless it answers with `expected` (200, or 400 for a failed condition). */
  private static String call(int port, String target, String body, int expected) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/").openConnection();
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setConnectTimeout(5_000);
    connection.setReadTimeout(30_000);
    connection.setRequestProperty("Content-Type", "application/x-amz-json-1.0");
    connection.setRequestProperty("X-Amz-Target", target);
    connection.setRequestProperty("X-Amz-Date", "20260101T000000Z");
    connection.setRequestProperty("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/ap-southeast-1/"
        + "dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0");
    try (OutputStream out = connection.getOutputStream()) {
      out.write(body.getBytes(StandardCharsets.UTF_8));
    }
    int status = connection.getResponseCode();
    InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
    String answer = stream == null ? "" : new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    if (status != expected) throw new IOException(target + ": HTTP " + status + " (expected " + expected + "): " + answer);
    return answer;
  }
}
