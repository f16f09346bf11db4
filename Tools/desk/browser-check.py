#!/usr/bin/python3
"""Clicks through the auditor's desk (creditctl desk) in headless Chromium.

Usage: /usr/bin/python3 Tools/desk/browser-check.py URL ENTITY NAME_FRAGMENT SCREENSHOT_DIR [COMPARE_DAY]

URL is the line `creditctl desk` printed (with ?token=), ENTITY a code with events in the
ledger, NAME_FRAGMENT part of its name (used when the daemon has `find`). Checks, in order:
without a purpose the state view shows only public data and says so; with a purpose a name
lookup (or the notice that it is not available) and a code lookup; moving `at` and the knownAt
slider (keyboard) changes the view; compare fills both columns (on COMPARE_DAY, default two years
before today; Tools/desk/showcase gives a ledger whose past makes them differ); print shows the report page.
Saves desk-public.png, desk-lookup.png, desk-state.png, desk-compare.png and desk-report.png in SCREENSHOT_DIR.
Exits 0 when every check passes, 1 with a message on the first failure.

Needs Debian's chromium, chromium-driver and python3-selenium (Tools/setup installs them).
"""
import os
import sys
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:
    sys.exit("browser-check: python3-selenium is missing (run Tools/setup; use /usr/bin/python3)")

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PURPOSE = "专项检查 2026-0042（查询台浏览器测试）"
WAIT_SECONDS = 30


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def wait_for(description, probe, seconds=WAIT_SECONDS):
    """Polls probe() until it returns something truthy; fails naming what was awaited."""
    deadline = time.time() + seconds
    last_error = None
    while time.time() < deadline:
        try:
            value = probe()
            if value:
                return value
        except Exception as error:  # an element not there yet
            last_error = error
        time.sleep(0.1)
    raise CheckFailed(f"timed out after {seconds} s waiting for {description}" + (f" ({last_error})" if last_error else ""))


def start_browser():
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            sys.exit(f"browser-check: {path} is missing (install {package}: run Tools/setup)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--lang=zh-CN",
                     "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Chromium takes its locale (date fields' order, the UI) from the environment, not --lang alone.
    environment = dict(os.environ, LANG="zh_CN.UTF-8", LANGUAGE="zh_CN:zh")
    return webdriver.Chrome(service=Service(CHROMEDRIVER, env=environment), options=options)


class Desk:
    def __init__(self, driver, screenshots):
        self.driver = driver
        self.screenshots = screenshots

    def element(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def text(self, element_id):
        return self.element(element_id).text

    def loaded(self):
        return self.element("view-state").get_attribute("data-loaded") or ""

    def set_date(self, element_id, day):
        # A date input's typed form depends on the locale; set the value and fire change as a person's pick does.
        self.driver.execute_script(
            "var input = document.getElementById(arguments[0]); input.value = arguments[1];"
            "input.dispatchEvent(new Event('change', {bubbles: true}));", element_id, day)

    def type_into(self, element_id, text, submit=True):
        field = self.element(element_id)
        field.clear()
        field.send_keys(text)
        if submit:
            field.send_keys(Keys.ENTER)

    def screenshot(self, name):
        # The window's height holds the whole page plus the browser's own frame.
        height = self.driver.execute_script(
            "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight) + window.outerHeight - window.innerHeight;")
        self.driver.set_window_size(1400, min(max(1000, height + 20), 8000))
        time.sleep(0.3)
        path = os.path.join(self.screenshots, name)
        check(self.driver.save_screenshot(path), f"cannot save {path}")
        self.driver.set_window_size(1400, 1000)
        print(f"browser-check: saved {path}")

    def severe_console_errors(self):
        return [entry["message"] for entry in self.driver.get_log("browser") if entry.get("level") == "SEVERE"]


def run(url, entity, fragment, screenshots, compare_day=None):
    os.makedirs(screenshots, exist_ok=True)
    driver = start_browser()
    try:
        desk = Desk(driver, screenshots)
        driver.get(url)
        wait_for("the desk page", lambda: desk.element("entity").is_displayed())
        wait_for("the token to leave the address bar", lambda: "token=" not in driver.current_url)
        check(driver.title == "信用账本查询台", f"unexpected title {driver.title!r}")

        # 0. The keyboard reaches the purpose, every tab and the lookup box, in that order.
        driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
        reached = []
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        for _ in range(12):
            reached.append(driver.switch_to.active_element.get_attribute("id"))
            driver.switch_to.active_element.send_keys(Keys.TAB)
        expected = ["purpose", "tab-lookup", "tab-state", "tab-compare", "tab-report", "entity"]
        check([name for name in reached if name in expected][:len(expected)] == expected, f"Tab does not reach the controls in order: {reached}")

        # 1. No purpose: public data only, and the page says how to see more.
        check("填写查询用途后可查看非公开信息" in desk.text("purpose-note"), "the purpose notice is missing")
        desk.type_into("entity", entity)
        wait_for("the public state view", lambda: desk.loaded().startswith("display|"))
        notice = desk.text("state-notice")
        check("填写查询用途后可查看非公开信息（将记入访问日志）" in notice, f"the public notice is missing: {notice!r}")
        facts = desk.text("state-facts")
        check("仅公开信息" in facts and "数据截至" not in facts, f"without a purpose the facts are not the public ones: {facts!r}")
        tables = desk.text("state-tables")
        check("待办" not in tables and "名单（" not in tables, "without a purpose non-public sections were shown")
        check(desk.element("known-seq").get_attribute("disabled") is not None, "the knownAt slider works without a purpose")
        desk.screenshot("desk-public.png")

        # 2. A purpose; the name lookup (when the daemon has find), then the code.
        desk.element("tab-lookup").click()
        desk.type_into("purpose", PURPOSE, submit=False)
        desk.element("purpose").send_keys(Keys.TAB)
        wait_for("the purpose to be taken", lambda: "记入守护进程的访问日志" in desk.text("purpose-note"))
        desk.type_into("entity", fragment)
        note = wait_for("the name lookup's answer", lambda: (lambda text: text if text and "正在" not in text else None)(desk.text("lookup-note")))
        matches = driver.find_elements(By.CSS_SELECTOR, "#matches button")
        if matches:
            check(any(entity in match.text for match in matches), f"the name lookup did not list {entity}: {[m.text for m in matches]}")
            check(driver.switch_to.active_element == matches[0], "the first match does not have the keyboard focus")
            desk.screenshot("desk-lookup.png")
            target = next(match for match in matches if entity in match.text)
            target.send_keys(Keys.ENTER)
            print("browser-check: name lookup found the entity")
        else:
            check("暂不可用" in note, f"the name lookup neither listed matches nor said why: {note!r}")
            desk.screenshot("desk-lookup.png")
            print("browser-check: the daemon has no find yet; the desk says so")
            desk.type_into("entity", entity)
        wait_for("the auditor's state view", lambda: desk.loaded().startswith("status|"))
        facts = desk.text("state-facts")
        check("数据截至" in facts, f"with a purpose the state is not the auditor's: {facts!r}")
        wait_for("the knownAt slider", lambda: desk.element("known-seq").get_attribute("disabled") is None)

        # 3. Move at: the view follows.
        before = desk.loaded()
        at_before = desk.element("at").get_attribute("value")
        new_at = str(int(at_before[:4]) - 2) + at_before[4:]
        desk.set_date("at", new_at)
        wait_for("the state at " + new_at, lambda: desk.loaded().startswith("status|" + new_at))
        check(desk.loaded() != before, "moving at did not change the view")
        check("状态日期 " + new_at in desk.text("timeline") or new_at in driver.find_element(By.CSS_SELECTOR, "#timeline svg").get_attribute("innerHTML"),
              "the timeline's at line did not move")

        # 4. The knownAt slider, by keyboard: back to the first event, the view changes.
        slider = desk.element("known-seq")
        maximum = int(slider.get_attribute("max"))
        check(maximum >= 2, f"the entity needs at least two events for the slider check (has {maximum})")
        before = desk.loaded()
        before_tables = desk.text("state-tables")
        slider.send_keys(Keys.HOME)
        wait_for("the state as known at the first event", lambda: desk.loaded() != before)
        check(desk.element("known-seq").get_attribute("value") == "1", "Home did not move the slider to the first event")
        check(desk.text("state-tables") != before_tables or desk.text("state-facts") != facts, "the knownAt slider did not change the view")
        after_home = desk.loaded()
        slider.send_keys(Keys.ARROW_RIGHT)
        wait_for("the state as known at the second event", lambda: desk.loaded() != after_home)
        check("第 2 / " in desk.text("known-seq-text"), f"the slider's text does not name the event: {desk.text('known-seq-text')!r}")
        desk.element("known-latest").click()
        wait_for("the state as known now", lambda: desk.element("known-seq").get_attribute("value") == str(maximum))
        # Back to today for the picture: lists, bans and pending items are the ones in force on the day.
        desk.set_date("at", at_before)
        wait_for("the state today", lambda: desk.loaded().startswith("status|" + at_before))
        time.sleep(0.5)
        desk.screenshot("desk-state.png")

        # 5. Compare two moments on one day.
        desk.element("tab-compare").click()
        compare_day = compare_day or new_at
        desk.set_date("compare-day", compare_day)
        desk.element("compare-form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        summary = wait_for("the comparison", lambda: desk.text("compare-summary"))
        check("seq" in summary, f"the comparison does not name the ledger positions: {summary!r}")
        for column in ("compare-then", "compare-now"):
            headings = driver.find_elements(By.CSS_SELECTOR, f"#{column} h4")
            check(len(headings) == 2, f"{column} does not show both channels")
        check(compare_day in desk.text("compare-then-title") and compare_day in desk.text("compare-now-title"), "the column titles do not name the day")
        desk.screenshot("desk-compare.png")

        # 6. Print the report.
        desk.element("tab-report").click()
        desk.set_date("report-from", str(int(new_at[:4]) - 5) + "-01-01")
        desk.element("report-form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for("the report page", lambda: desk.element("report-print").get_attribute("disabled") is None)
        driver.switch_to.frame(desk.element("report-frame"))
        report_text = driver.find_element(By.TAG_NAME, "body").text
        driver.switch_to.default_content()
        check("公共信用信息报告" in report_text, "the report page does not say 公共信用信息报告")
        check(entity in report_text, "the report page does not name the entity")
        # The print dialog would block a headless browser: count the call instead.
        driver.execute_script("var frame = document.getElementById('report-frame'); window.__printed = 0;"
                              "frame.contentWindow.print = function () { window.__printed += 1; };")
        desk.element("report-print").click()
        check(driver.execute_script("return window.__printed;") == 1, "打印 did not call print() on the report")
        desk.screenshot("desk-report.png")

        errors = desk.severe_console_errors()
        check(not errors, "the browser console has errors (a blocked script or style?): " + "; ".join(errors))
        print("browser-check: all checks passed")
    finally:
        driver.quit()


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__.split("\n\n")[1])
    try:
        run(*sys.argv[1:])
    except CheckFailed as failure:
        print(f"browser-check: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
