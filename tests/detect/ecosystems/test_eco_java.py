"""JavaDetector: pom.xml with properties and parents, Gradle Groovy and Kotlin DSL, bad input."""

from __future__ import annotations

import pytest

from matrixhell.detect.base import DetectContext
from matrixhell.detect.java import JavaDetector, java_major
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model.facts import Detection, Ecosystem, Scope


def run(files: dict[str, str | bytes], directory: str = "") -> Detection:
    view = MemoryRepoView(files)
    names = frozenset(f for f in view.listdir(directory) if view.is_file(f"{directory}/{f}" if directory else f))
    ctx = DetectContext(view, directory, names)
    assert JavaDetector().applies(ctx)
    return JavaDetector().detect(ctx)


POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.1</version>
  </parent>
  <artifactId>orders</artifactId>
  <properties>
    <java.version>17</java.version>
    <maven.compiler.release>${java.version}</maven.compiler.release>
    <pg.version>42.7.1</pg.version>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>org.postgresql</groupId>
      <artifactId>postgresql</artifactId>
      <version>${pg.version}</version>
    </dependency>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>x</groupId>
      <artifactId>y</artifactId>
      <version>${undefined.prop}</version>
    </dependency>
  </dependencies>
</project>
"""


@pytest.mark.parametrize(("raw", "major"), [("17", 17), ("1.8", 8), ("21.0.1", 21), ("'11'", 11), ("x", None)])
def test_java_major(raw: str, major: int | None) -> None:
    assert java_major(raw) == major


def test_pom_properties_runtime_and_substitution() -> None:
    d = run({"orders/pom.xml": POM}, "orders")
    assert [(r.source, r.spec, r.origin.line) for r in d.runtimes] == [
        ("maven-compiler-release", ">=17", 12),
        ("maven-java-version", ">=17", 11),
    ]
    by = {p.name: p for p in d.packages}
    pg = by["org.postgresql:postgresql"]
    assert pg.ecosystem is Ecosystem.MAVEN and pg.specifier == "42.7.1" and pg.origin.line == 20
    assert by["org.junit.jupiter:junit-jupiter"].scope is Scope.DEV
    assert by["org.springframework.boot:spring-boot-starter-parent"].group == "parent"
    assert any(f.code == "unresolved-property" for f in d.findings)


def test_spring_boot_framework_port_start() -> None:
    d = run({"pom.xml": POM})
    assert d.frameworks == ("spring-boot",)
    assert d.ports[0].number == 8080
    assert d.start_commands[0].argv == ("java", "-jar", "/app/app.jar")
    assert d.start_commands[0].precedence == 42  # a web starter: surely a server
    batch = run({"pom.xml": POM.replace("spring-boot-starter-web", "spring-boot-starter-batch")})
    assert batch.start_commands[0].precedence == 45


def test_compiler_plugin_and_kotlin() -> None:
    pom = """<project><build><plugins>
      <plugin><artifactId>maven-compiler-plugin</artifactId>
        <configuration><source>1.8</source><target>1.8</target></configuration></plugin>
      <plugin><groupId>org.jetbrains.kotlin</groupId><artifactId>kotlin-maven-plugin</artifactId></plugin>
    </plugins></build></project>"""
    d = run({"pom.xml": pom})
    assert [(r.source, r.spec) for r in d.runtimes] == [("maven-compiler-plugin-source", ">=8")]
    assert d.languages == ("java", "kotlin") and d.frameworks == ()


KTS = """plugins {
    id("org.springframework.boot") version "3.2.0"
    kotlin("jvm") version "1.9.21"
}

java {
    toolchain {
        languageVersion = JavaLanguageVersion.of(21)
    }
    sourceCompatibility = JavaVersion.VERSION_17
}

dependencies {
    implementation("org.springframework.boot:spring-boot-starter-web")
    implementation(platform("org.springframework.boot:spring-boot-dependencies:3.2.0"))
    runtimeOnly("org.postgresql:postgresql:42.7.1") { because("db") }
    testImplementation(group = "org.junit", name = "junit", version = "5.0")
    compileOnly("org.projectlombok:lombok:1.18.30")
    implementation(libs.guava)
    implementation(project(":core"))
}
"""


def test_gradle_kotlin_dsl() -> None:
    d = run(
        {
            "build.gradle.kts": KTS,
            "gradle/libs.versions.toml": '[versions]\nguava = "33.0.0-jre"\n[libraries]\n'
            'guava = { module = "com.google.guava:guava", version.ref = "guava" }\n',
            "gradle/wrapper/gradle-wrapper.properties": "distributionUrl=https\\://services.gradle.org/distributions/gradle-8.5-bin.zip\n",
        }
    )
    java = [(r.source, r.spec, r.origin.line) for r in d.runtimes if r.runtime == "java"]
    assert java == [("gradle-toolchain", "==21.*", 8), ("gradle-source-compatibility", ">=17", 10)]
    assert next(r for r in d.runtimes if r.runtime == "gradle").spec == "==8.5"
    by = {p.name: p for p in d.packages}
    assert by["org.postgresql:postgresql"].specifier == "42.7.1" and by["org.postgresql:postgresql"].origin.line == 16
    assert by["org.junit:junit"].scope is Scope.DEV
    assert by["org.projectlombok:lombok"].scope is Scope.BUILD
    assert by["org.springframework.boot:spring-boot-dependencies"].group == "platform"
    assert by["com.google.guava:guava"].specifier == "33.0.0-jre"
    assert not any(n.endswith(":core") for n in by)
    assert d.languages == ("java", "kotlin") and d.frameworks == ("spring-boot",)


def test_gradle_groovy_dsl() -> None:
    build = """apply plugin: 'java'
sourceCompatibility = 1.8
kotlin {
    jvmToolchain(11)
}
dependencies {
    implementation 'org.slf4j:slf4j-api:1.7.30'
    testImplementation group: 'junit', name: 'junit', version: '4.12'
}
"""
    d = run({"build.gradle": build})
    assert [(r.source, r.spec) for r in d.runtimes] == [
        ("gradle-toolchain", "==11.*"),
        ("gradle-source-compatibility", ">=8"),
    ]
    assert [(p.name, p.specifier, p.origin.line) for p in d.packages] == [
        ("org.slf4j:slf4j-api", "1.7.30", 7),
        ("junit:junit", "4.12", 8),
    ]


def test_bad_pom_and_bad_gradle() -> None:
    d = run({"pom.xml": "<project>\n  <dependencies>\n</project>\n"})
    f = d.findings[0]
    assert f.code == "bad-xml" and f.origin is not None and f.origin.line == 3
    d2 = run({"build.gradle": "dependencies {\n  implementation 'a:b:1\n}\n"})
    assert d2.findings[0].code == "bad-gradle" and d2.findings[0].origin is not None
    assert d2.findings[0].origin.line == 2
    d3 = run({"pom.xml": b"<project>\xff</project>"})
    assert d3.findings[0].code == "not-utf8"


def test_unresolved_catalog_reference_is_noted() -> None:
    d = run({"build.gradle.kts": "dependencies {\n    implementation(libs.missing.lib)\n}\n"})
    assert d.findings[0].code == "unresolved-catalog"


PARENT = """<project>
  <groupId>com.acme</groupId>
  <artifactId>platform</artifactId>
  <version>1.0.0</version>
  <packaging>pom</packaging>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.1</version>
    <relativePath/>
  </parent>
  <properties>
    <maven.compiler.release>21</maven.compiler.release>
    <jackson.version>2.16.1</jackson.version>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>com.fasterxml.jackson.core</groupId>
        <artifactId>jackson-databind</artifactId>
        <version>${jackson.version}</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
</project>
"""

MODULE = """<project>
  <parent>
    <groupId>com.acme</groupId>
    <artifactId>platform</artifactId>
    <version>1.0.0</version>
  </parent>
  <artifactId>orders</artifactId>
  <dependencies>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
    </dependency>
  </dependencies>
</project>
"""


def test_module_takes_java_level_and_managed_versions_from_its_parent_pom() -> None:
    d = run({"pom.xml": PARENT, "orders/pom.xml": MODULE}, "orders")
    assert [(r.source, r.spec, r.origin.path, r.origin.line) for r in d.runtimes] == [
        ("maven-compiler-release", ">=21", "pom.xml", 13)
    ]
    jackson = next(p for p in d.packages if p.name.endswith("jackson-databind"))
    assert (jackson.specifier, jackson.origin.path) == ("2.16.1", "orders/pom.xml")
    assert "spring-boot" in d.frameworks  # the grandparent is Spring Boot's
    assert "pom.xml" in d.files


def test_parent_not_in_the_repository_or_not_matching_is_ignored() -> None:
    other = PARENT.replace("<artifactId>platform</artifactId>", "<artifactId>something-else</artifactId>", 1)
    d = run({"pom.xml": other, "orders/pom.xml": MODULE}, "orders")
    assert d.runtimes == () and "pom.xml" not in d.files


def test_subproject_uses_the_builds_catalog_and_wrapper() -> None:
    d = run(
        {
            "settings.gradle.kts": 'include("api")\n',
            "gradle/libs.versions.toml": '[libraries]\nguava = "com.google.guava:guava:33.0.0-jre"\n',
            "gradle/wrapper/gradle-wrapper.properties": "distributionUrl=https\\://x/gradle-8.6-all.zip\n",
            "api/build.gradle.kts": "dependencies {\n    implementation(libs.guava)\n}\n",
        },
        "api",
    )
    assert d.packages[0].name == "com.google.guava:guava" and d.packages[0].specifier == "33.0.0-jre"
    assert next(r for r in d.runtimes if r.runtime == "gradle").spec == "==8.6"


def test_kotlin_dsl_alone_is_not_kotlin() -> None:
    d = run({"build.gradle.kts": 'plugins {\n    java\n}\ndependencies {\n    implementation("g:a:1")\n}\n'})
    assert d.languages == ("java",)


def test_parent_pom_and_apply_false_plugins_are_not_services() -> None:
    d = run({"pom.xml": PARENT})
    assert "spring-boot" in d.frameworks and d.start_commands == () and d.ports == ()
    root = run(
        {
            "build.gradle.kts": 'plugins {\n    id("org.springframework.boot") version "3.2.0" apply false\n'
            "    id 'org.jetbrains.kotlin.jvm' version '1.9.24' apply false\n}\n"
        }
    )
    assert root.frameworks == () and root.languages == ("java",) and root.start_commands == ()
    assert sorted(p.specifier for p in root.packages) == ["1.9.24", "3.2.0"]  # groovy-style versions too


REACTOR = """<project>
  <groupId>com.ex</groupId><artifactId>parent</artifactId><version>1</version><packaging>pom</packaging>
  <properties><maven.compiler.release>21</maven.compiler.release></properties>
  <modules><module>app</module><module>libs</module></modules>
</project>
"""
LIBS = """<project>
  <parent><groupId>com.ex</groupId><artifactId>parent</artifactId><version>1</version></parent>
  <artifactId>libs</artifactId><packaging>pom</packaging>
  <modules><module>core</module></modules>
</project>
"""
CORE = """<project>
  <parent><groupId>com.ex</groupId><artifactId>libs</artifactId><version>1</version></parent>
  <artifactId>core</artifactId>
</project>
"""
APP = """<project>
  <parent><groupId>com.ex</groupId><artifactId>parent</artifactId><version>1</version></parent>
  <artifactId>app</artifactId>
  <dependencies>
    <dependency><groupId>com.ex</groupId><artifactId>core</artifactId><version>1</version></dependency>
    <dependency><groupId>com.ex</groupId><artifactId>elsewhere</artifactId><version>2</version></dependency>
    <dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId><version>42.7.3</version></dependency>
  </dependencies>
</project>
"""


def test_parent_pom_of_the_repository_and_sibling_modules_are_not_fetched_packages() -> None:
    d = run(
        {"pom.xml": REACTOR, "app/pom.xml": APP, "libs/pom.xml": LIBS, "libs/core/pom.xml": CORE},
        "app",
    )
    by = {p.name: p for p in d.packages}
    assert "com.ex:parent" not in by  # read for its properties, not a dependency
    core = by["com.ex:core"]
    # a path from the module's POM, as Cargo's path = "../core"
    assert (core.url, core.specifier, core.locked, core.scope) == ("../libs/core", "", None, Scope.MAIN)
    # not a module of this build: an artifact fetched like any other
    assert (by["com.ex:elsewhere"].url, by["com.ex:elsewhere"].locked) == (None, "2")
    assert by["org.postgresql:postgresql"].locked == "42.7.3"
    assert [r.spec for r in d.runtimes] == [">=21"]


def test_parent_outside_the_repository_stays_a_package() -> None:
    d = run({"app/pom.xml": APP}, "app")
    by = {p.name: p for p in d.packages}
    assert by["com.ex:parent"].group == "parent"
    assert by["com.ex:core"].url is None  # no reactor to say it is a module
