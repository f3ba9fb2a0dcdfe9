package dev.modelport.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.LineMap;
import com.sun.source.tree.MethodTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The size rules of docs/architecture.md, for the main code of every module: no file over 400
 * lines, no method over 60 (a method's lines include the anonymous classes and lambdas inside it).
 * Read with the JDK's own Java parser, so comments, strings and text blocks count as what they are.
 */
class SizeRulesTest {
  static final int MAX_FILE_LINES = 400;
  static final int MAX_METHOD_LINES = 60;
  static final List<String> MODULES =
      List.of("server", "client", "cli", "model-store", "perf-inprocess");

  static final List<String> longFiles = new ArrayList<>();
  static final List<String> longMethods = new ArrayList<>();

  @BeforeAll
  static void parse() throws IOException {
    List<Path> files = new ArrayList<>();
    for (String m : MODULES) {
      Path src = Path.of("..", m, "src", "main", "java");
      try (Stream<Path> s = Files.walk(src)) {
        s.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
      }
    }
    assertThat(files).hasSizeGreaterThan(100);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
      JavacTask task =
          (JavacTask)
              javac.getTask(
                  null,
                  fm,
                  d -> {},
                  List.of("-proc:none"),
                  null,
                  fm.getJavaFileObjectsFromPaths(files));
      SourcePositions at = Trees.instance(task).getSourcePositions();
      for (CompilationUnitTree unit : task.parse()) {
        LineMap lines = unit.getLineMap();
        String name = Path.of(unit.getSourceFile().toUri()).getFileName().toString();
        long total = lines.getLineNumber(at.getEndPosition(unit, unit));
        if (total > MAX_FILE_LINES) {
          longFiles.add(name + ": " + total);
        }
        new TreePathScanner<Void, Void>() {
          @Override
          public Void visitMethod(MethodTree method, Void v) {
            if (method.getBody() != null) {
              long n =
                  lines.getLineNumber(at.getEndPosition(unit, method))
                      - lines.getLineNumber(at.getStartPosition(unit, method))
                      + 1;
              if (n > MAX_METHOD_LINES) {
                longMethods.add(name + " " + method.getName() + ": " + n);
              }
            }
            return super.visitMethod(method, v);
          }
        }.scan(unit, null);
      }
    }
  }

  @Test
  void noMainFile_isOver400Lines() {
    assertThat(longFiles).isEmpty();
  }

  @Test
  void noMainMethod_isOver60Lines() {
    assertThat(longMethods).isEmpty();
  }
}
