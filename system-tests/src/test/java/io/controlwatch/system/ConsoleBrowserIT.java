package io.controlwatch.system;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.controlwatch.testsupport.TestKeycloak;
import io.controlwatch.testsupport.TestPostgres;
import io.controlwatch.testsupport.TestTokens;
import io.restassured.path.json.JsonPath;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser: Chromium (headless, through chromedriver) signs in at a real Keycloak by the
 * authorization code flow, sees a failure posted over the ingest API arrive on the findings page without a reload
 * (server-sent events), acknowledges it as on-call; an auditor sees no action buttons and the API refuses them the
 * action anyway; the posture grid adds up to the API's report.
 *
 * <p>The console runs against an alerting service of its own whose issuer is the Keycloak realm (the stack's
 * services verify the test issuer); both read the same executions topic, the test's alerting into its own database.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT {

    static ControlWatchStack stack;
    static TestKeycloak keycloak;
    static TestKeycloak.Realm realm;
    static ServiceProcess alerting;
    /** An ingest of this realm's issuer: the sources page asks it with the user's token, and the test posts to it. */
    static ServiceProcess ingest;
    static ServiceProcess console;
    static String consoleUrl;
    static final List<WebDriver> drivers = new ArrayList<>();
    static final String SUBJECT = "mallory-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    static final Path SHOTS = Path.of("target", "screenshots").toAbsolutePath();

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(SHOTS);
        stack = ControlWatchStack.get();
        keycloak = TestKeycloak.server();
        int port = ServiceProcess.freePort();
        consoleUrl = "http://127.0.0.1:" + port;
        Path root = ServiceProcess.repositoryRoot();
        realm = keycloak.createRealm(root.resolve("deploy/local/keycloak/realm.template.json"), consoleUrl);

        Map<String, String> env = new HashMap<>(ControlWatchStack.environment(stack.kafka, TestPostgres.another()));
        env.put("MP_JWT_VERIFY_ISSUER", realm.issuer());
        // a second evidence store on the stack's broker must not sign: its checkpoints would land on the stack's
        // checkpoint topic beside the stack's own, under the same sequence numbers
        env.remove("CW_EVIDENCE_SIGNING_KEY");
        env.remove("CW_EVIDENCE_PUBLIC_KEY");
        alerting = ServiceProcess.start("alerting-service", env);
        ingest = ServiceProcess.start("ingest-service", env);
        console = ServiceProcess.start("console-service", Map.of(
                "CW_CONSOLE_INGEST_URL", ingest.url(""),
                "CW_CONSOLE_OIDC_URL", realm.issuer(),
                "QUARKUS_OIDC_CREDENTIALS_SECRET", realm.consoleSecret(),
                "CW_CONSOLE_ALERTING_URL", alerting.url(""),
                "CW_CONSOLE_PACK_FILE", root.resolve("control-packs/soc2/controls.yaml").toString(),
                "CW_CONSOLE_LIVE_INTERVAL", "1s"), port);
        alerting.awaitReady(Duration.ofSeconds(120));
        ingest.awaitReady(Duration.ofSeconds(120));
        console.awaitReady(Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        drivers.forEach(WebDriver::quit);
        if (console != null) {
            console.stop();
        }
        if (alerting != null) {
            alerting.stop();
        }
        if (ingest != null) {
            ingest.stop();
        }
    }

    @Test
    @Order(1)
    void onCallSeesANewFailureWithoutReloadingAndAcknowledgesIt() throws Exception {
        WebDriver browser = signIn("oncall-user");
        browser.get(consoleUrl + "/findings");
        // htmx replaces the table while the test looks at it: an element found a moment ago may be gone
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90));
        wait.ignoring(StaleElementReferenceException.class);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("findings")));
        // a marker on the window: a reload would lose it
        ((JavascriptExecutor) browser).executeScript("window.cwNotReloaded = true;");
        // wait for the stream to be open before the failure is posted (htmx's SSE extension connects on load)
        sleep(2500);

        String eventId = UUID.randomUUID().toString();
        // to this test's ingest (its activity is per instance: the sources page shows what it saw)
        given().auth().oauth2(token("ingest")).contentType("application/cloudevents+json")
                .body("""
                        {"specversion":"1.0","id":"%s","source":"https://login.example-idp.com","type":"auth.login",
                         "subject":"%s","time":"%s",
                         "data":{"user":"%s","mfa":false,"outcome":"success","app":"aws-console"}}"""
                        .formatted(eventId, SUBJECT, Instant.now().truncatedTo(ChronoUnit.SECONDS), SUBJECT))
                .post(ingest.url("/api/v1/events")).then().statusCode(202);

        By row = By.cssSelector("tr.finding[data-subject='" + SUBJECT + "']");
        String findingId = wait.until(d -> d.findElement(row).getAttribute("data-finding"));
        assertThat(((JavascriptExecutor) browser).executeScript("return window.cwNotReloaded === true;"))
                .as("the finding arrived without a reload").isEqualTo(true);
        String control = wait.until(d -> d.findElement(row).getAttribute("data-control"));
        String status = wait.until(d -> d.findElement(row).getAttribute("data-status"));
        assertThat(control).isEqualTo("cc6.1-console-login-mfa");
        assertThat(status).isEqualTo("OPEN");
        screenshot(browser, "findings-oncall");

        wait.until(d -> {
            d.findElement(row).findElement(By.cssSelector("button.ack")).click();
            return true;
        });
        wait.until(d -> "ACKNOWLEDGED".equals(d.findElement(row).getAttribute("data-status")));
        screenshot(browser, "findings-acknowledged");
        accessible(browser, "findings");

        // the change went through the API as the signed-in user: the finding's history names them
        JsonPath stored = given().auth().oauth2(token("auditor")).get(alerting.url("/api/v1/findings/" + findingId))
                .then().statusCode(200).extract().jsonPath();
        assertThat(stored.getString("status")).isEqualTo("ACKNOWLEDGED");
        assertThat(stored.getString("acknowledgedBy")).isEqualTo("oncall-user");
    }

    @Test
    @Order(2)
    void anAuditorSeesNoActionButtonsAndTheApiRefusesThemAnyway() {
        WebDriver browser = signIn("auditor-user");
        browser.get(consoleUrl + "/findings");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        WebElement finding = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("tr.finding[data-subject='" + SUBJECT + "']")));
        assertThat(browser.findElements(By.cssSelector("#findings button"))).as("action buttons for an auditor").isEmpty();
        assertThat(browser.findElements(By.cssSelector("#findings form"))).isEmpty();
        screenshot(browser, "findings-auditor");

        String findingId = finding.getAttribute("data-finding");
        given().auth().oauth2(token("auditor")).contentType("application/json").body("{\"comment\": \"mine\"}")
                .post(alerting.url("/api/v1/findings/" + findingId + "/comment")).then().statusCode(403);
    }

    @Test
    @Order(3)
    void thePostureGridAddsUpToTheApisReport() throws Exception {
        WebDriver browser = signIn("auditor-user");
        browser.get(consoleUrl + "/posture?days=7");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("posture")));
        screenshot(browser, "posture");
        accessible(browser, "posture");

        // the period the page shows, asked of the API: every control counted once per criterion it supports
        String from = browser.findElement(By.id("posture")).getAttribute("data-from");
        String to = browser.findElement(By.id("posture")).getAttribute("data-to");
        JsonPath report = given().auth().oauth2(token("auditor")).queryParam("from", from).queryParam("to", to)
                .get(alerting.url("/api/v1/reports/operating-effectiveness")).then().statusCode(200).extract().jsonPath();
        Map<String, Integer> controlsPerCriterion = new HashMap<>();
        Map<String, Integer> failingPerCriterion = new HashMap<>();
        List<Map<String, Object>> controls = report.getList("controls");
        for (Map<String, Object> c : controls) {
            @SuppressWarnings("unchecked")
            List<String> criteria = (List<String>) c.get("criteria");
            // open findings make a control failing whether or not it ran lately (Posture.state)
            boolean failing = ((Number) c.get("findingsOpenAtEnd")).intValue() > 0
                    && ((List<?>) c.get("exemptions")).isEmpty();
            for (String criterion : criteria) {
                controlsPerCriterion.merge(criterion, 1, Integer::sum);
                failingPerCriterion.merge(criterion, failing ? 1 : 0, Integer::sum);
            }
        }
        assertThat(failingPerCriterion.get("CC6.1")).as("the failure of the first test").isPositive();
        Map<String, Integer> shownControls = new HashMap<>();
        Map<String, Integer> shownFailing = new HashMap<>();
        for (WebElement row : browser.findElements(By.cssSelector("#posture tbody tr"))) {
            String criterion = row.getAttribute("data-criterion");
            int sum = 0;
            for (WebElement cell : row.findElements(By.cssSelector("td"))) {
                if (!cell.getAttribute("data-state").equals("MANUAL")) {
                    sum += Integer.parseInt(cell.getText().trim());
                }
                if (cell.getAttribute("data-state").equals("FAILING")) {
                    shownFailing.put(criterion, Integer.parseInt(cell.getText().trim()));
                }
            }
            if (sum > 0) {
                shownControls.put(criterion, sum);
            }
        }
        assertThat(shownControls).isEqualTo(controlsPerCriterion);
        failingPerCriterion.forEach((criterion, n) -> assertThat(shownFailing.get(criterion)).as(criterion).isEqualTo(n));
    }

    @Test
    @Order(4)
    void theControlMatrixDownloadsAsCsv() throws Exception {
        WebDriver browser = signIn("analyst-user");
        browser.get(consoleUrl + "/matrix");
        new WebDriverWait(browser, Duration.ofSeconds(30))
                .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#matrix tr[data-control='cc6.1-console-login-mfa']")));
        screenshot(browser, "matrix");
        accessible(browser, "matrix");
        // the CSV through the same browser session (fetch carries its cookie)
        String csv = (String) ((JavascriptExecutor) browser).executeAsyncScript(
                "const done = arguments[0]; fetch('/matrix.csv').then(r => r.text()).then(done);");
        assertThat(csv).startsWith("control,title,criteria,kind,event_types,sources_seen,owner,frequency,last_execution,state,status");
        assertThat(csv).contains("\"cc6.1-console-login-mfa\"").contains("\"MANUAL\"");

        // the control page: figures, trend chart, executions with their evidence events, fixtures
        browser.get(consoleUrl + "/controls/cc6.1-console-login-mfa");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("counts")));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#trend canvas")));
        assertThat(browser.findElement(By.tagName("body")).getText()).contains("Recent executions").contains("Fixtures");
        screenshot(browser, "control");
        accessible(browser, "control");

        // the sources page: ingest's view, with the login source of the first test live
        browser.get(consoleUrl + "/sources");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("sources")));
        assertThat(browser.findElement(By.cssSelector("#sources tr[data-source='https://login.example-idp.com']"))
                .getAttribute("data-state")).isEqualTo("live");
        screenshot(browser, "sources");
        accessible(browser, "sources");
    }

    static final String AXE_VERSION = "4.14.1";
    static String axeSource;

    /** axe-core from the npm registry (npm pack, once into target/axe), injected into the page under test. */
    static synchronized String axe() throws IOException, InterruptedException {
        if (axeSource == null) {
            Path dir = Path.of("target", "axe").toAbsolutePath();
            Path script = dir.resolve("package/axe.min.js");
            if (!Files.exists(script)) {
                Files.createDirectories(dir);
                for (List<String> command : List.of(
                        List.of("npm", "pack", "axe-core@" + AXE_VERSION, "--pack-destination", dir.toString()),
                        List.of("tar", "xzf", dir.resolve("axe-core-" + AXE_VERSION + ".tgz").toString(), "-C", dir.toString()))) {
                    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes());
                    assertThat(p.waitFor()).as("%s: %s", command, out).isZero();
                }
            }
            axeSource = Files.readString(script);
        }
        return axeSource;
    }

    /** Runs axe-core on the page; fails on serious or critical violations, keeps the whole result beside the screenshots. */
    static void accessible(WebDriver browser, String page) throws IOException, InterruptedException {
        JavascriptExecutor js = (JavascriptExecutor) browser;
        js.executeScript(axe());
        String result = (String) js.executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)));");
        Files.writeString(SHOTS.resolve("axe-" + page + ".json"), result);
        List<Map<String, Object>> violations = JsonPath.from(result).getList("$");
        List<String> bad = violations.stream()
                .filter(v -> "serious".equals(v.get("impact")) || "critical".equals(v.get("impact")))
                .map(v -> v.get("impact") + " " + v.get("id") + ": " + v.get("help")).toList();
        assertThat(bad).as("axe-core %s on %s", AXE_VERSION, page).isEmpty();
    }

    /** A token of the test realm's issuer, signed with the key the realm signs with (as Keycloak's would be). */
    static String token(String role) {
        return TestTokens.token().issuer(realm.issuer()).roles(role).subject("api-" + role).sign();
    }

    static WebDriver signIn(String user) {
        WebDriver browser = browser();
        browser.get(consoleUrl + "/findings");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("username"))).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(realm.passwords().get(user));
        screenshot(browser, "login");
        browser.findElement(By.id("kc-login")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("user"), user));
        return browser;
    }

    static WebDriver browser() {
        File chromium = firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser");
        File driver = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        ChromeOptions options = new ChromeOptions().setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + tempDir());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build();
        WebDriver browser = new ChromeDriver(service, options);
        drivers.add(browser);
        return browser;
    }

    static File firstExisting(String... paths) {
        for (String p : paths) {
            if (new File(p).canExecute()) {
                return new File(p);
            }
        }
        throw new IllegalStateException("none of " + String.join(", ", paths)
                + " exists: install Debian's chromium and chromium-driver (.ci/run does)");
    }

    static String tempDir() {
        try {
            Path dir = Files.createTempDirectory("cw-chromium");
            dir.toFile().deleteOnExit();
            return dir.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void screenshot(WebDriver browser, String name) {
        try {
            Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
