"""The officers' console in a real browser: Debian's Chromium, headless, driven by Selenium.

Run by ConsoleBrowserTests (Swift), which starts three real nodes on loopback (jjj, yrd, prd)
syncing with each other, creates their accounts, and passes their console addresses here in
the environment. Every page visited is saved as a screenshot in $SCREENSHOTS. Exits non-zero,
naming the step, on the first expectation that fails.
"""

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import traceback
import urllib.error
import urllib.parse
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never download a driver.

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support.ui import WebDriverWait as SeleniumWait

JJJ, YRD, PRD = os.environ["JJJ_URL"], os.environ["YRD_URL"], os.environ["PRD_URL"]
PASSWORD = os.environ["OFFICER_PASSWORD"]
OPERATOR_PASSWORD = os.environ["OPERATOR_PASSWORD"]
SHOTS = os.environ["SCREENSHOTS"]
UPLOAD = os.environ["UPLOAD_FILE"]
HOSTILE_LEAD = os.environ["HOSTILE_LEAD"]
REQUEST = os.environ["REQUEST"]
# yrd's own case and its three documents (letter, investigation report, list of items).
POLICE_CASE = os.environ["POLICE_CASE"]
POLICE_DOCUMENTS = os.environ["POLICE_DOCUMENTS"].split(",")
HOLIDAY, HOLIDAY_REQUEST = os.environ["HOLIDAY_URL"], os.environ["HOLIDAY_REQUEST"]
REQUEST_DEADLINE = os.environ["REQUEST_DEADLINE"]
REQUEST_DAYS_LEFT = os.environ["REQUEST_DAYS_LEFT"]
# How long a synced change may take to reach a page that updates itself (sync runs every second).
ARRIVAL = 45


def WebDriverWait(driver, timeout, poll_frequency=0.5):
    """Selenium's wait, going on when an element it read was replaced meanwhile: a live update
    swaps the page's <main> whenever the node commits something it shows."""
    return SeleniumWait(driver, timeout, poll_frequency=poll_frequency,
                        ignored_exceptions=(StaleElementReferenceException,))


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
                     "--lang=zh-CN", "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Step:
    """A named step: its failure says which, and leaves a screenshot of where it happened."""

    def __init__(self, name, *drivers):
        self.name, self.drivers = name, drivers

    def __enter__(self):
        print(f"step: {self.name}", flush=True)

    def __exit__(self, kind, value, trace):
        if kind is None:
            return False
        for driver in self.drivers:
            # Every request the page made, with its status, start and duration in ms: shows
            # whether its event stream and its refetches ran.
            print("requests of the page:", driver.execute_script(
                "return JSON.stringify(performance.getEntriesByType('resource').map(function (e) {"
                " return [e.name, e.responseStatus, Math.round(e.startTime), Math.round(e.duration)]; }))"),
                flush=True)
            # Refreshes asked for (the stream opening, each event, each retry), fetches started
            # and failed, whether one is under way, and the stream's state (0 connecting, 1 open,
            # 2 closed).
            print("live updates of the page:", driver.execute_script(
                "var m = document.getElementById('main'); return m ? m.dataset.liveState : null"), flush=True)
        for index, driver in enumerate(self.drivers):
            shot(driver, f"FAILED-{self.name}-{index}")
            name = re.sub(r"[^\w.-]+", "-", f"FAILED-{self.name}-{index}")
            with open(os.path.join(SHOTS, name + ".html"), "w") as page:
                page.write(driver.page_source)
            # What a reload shows, beside what the live page showed: tells a missed live update
            # from a state the node never reached.
            driver.refresh()
            with open(os.path.join(SHOTS, name + "-reloaded.html"), "w") as page:
                page.write(driver.page_source)
        print(f"FAILED at step '{self.name}': {value!r}", flush=True)
        traceback.print_exception(kind, value, trace)
        sys.exit(1)


def click(driver, selector, attempts=5):
    """Clicks the element `selector` names, found again if a live update replaced it meanwhile
    (the page swaps its <main> whenever the node commits something it shows)."""
    for attempt in range(attempts):
        try:
            driver.find_element(By.CSS_SELECTOR, selector).click()
            return
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise


def type_into(driver, selector, text, attempts=5):
    """Types into the field `selector` names, found again if a live update replaced it (a
    field that has the focus is never swapped, but it may be between finding and focusing)."""
    for attempt in range(attempts):
        try:
            driver.find_element(By.CSS_SELECTOR, selector).send_keys(text)
            return
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise


def choose(driver, selector, value, attempts=5):
    """Chooses `value` in the select `selector` names, found again if a live update replaced it."""
    for attempt in range(attempts):
        try:
            Select(driver.find_element(By.CSS_SELECTOR, selector)).select_by_value(value)
            return
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise


def text_of(driver, selector):
    """The text of the element `selector` names, read in one script (no stale reference)."""
    return driver.execute_script(
        "var e = document.querySelector(arguments[0]); return e ? e.innerText : null", selector)


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, re.sub(r"[^\w.-]+", "-", name) + ".png"))


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def login(driver, base, account, password):
    driver.get(base + "/console/login")
    driver.find_element(By.ID, "account").send_keys(account)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "whoami"))


def axe_check(driver, page):
    """No serious or critical accessibility violation (axe-core, run in the page)."""
    from axe_selenium_python import Axe
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    expect(not bad, f"{page}: " + json.dumps([(v["id"], v["help"], len(v["nodes"])) for v in bad], ensure_ascii=False))


def api_whoami(base, token):
    """GET /v1/whoami with a bearer token, as a case system calls the API: (status, body)."""
    request = urllib.request.Request(base + "/v1/whoami", headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def no_alert(driver):
    try:
        alert = driver.switch_to.alert
        raise AssertionError(f"a script ran: alert {alert.text!r}")
    except NoAlertPresentException:
        pass


def main():
    jjj, yrd, ops, prd = browser(), browser(), browser(), browser()
    try:
        run(jjj, yrd, ops, prd)
    finally:
        for driver in (jjj, yrd, ops, prd):
            driver.quit()


def run(jjj, yrd, ops, prd):
    with Step("login pages", jjj, yrd):
        jjj.get(JJJ + "/console/")
        expect("/console/login" in jjj.current_url, f"a visitor is sent to the login page, not {jjj.current_url}")
        expect(jjj.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN", "the page is in Chinese")
        shot(jjj, "01-login")
        axe_check(jjj, "login")
        login(jjj, JJJ, "li.wei", PASSWORD)
        login(yrd, YRD, "wang.fang", PASSWORD)
        expect("wang.fang" in yrd.find_element(By.ID, "whoami").text, "who am I")
        shot(yrd, "02-yrd-worklist-before")
        axe_check(yrd, "worklist")

    with Step("jjj records a lead with a screenshot and sends it to yrd", jjj):
        jjj.get(JJJ + "/console/leads/new")
        axe_check(jjj, "new lead")
        jjj.find_element(By.ID, "subjectName").send_keys("速通检测报告代办网店")
        jjj.find_element(By.ID, "platform").send_keys("某电商平台")
        jjj.find_element(By.CSS_SELECTOR, "input[name=violation][value=forged-report]").click()
        jjj.find_element(By.ID, "summary").send_keys("出售伪造的检验检测报告，当天出具，不需要样品")
        jjj.find_element(By.CSS_SELECTOR, "input[name=to][value=yrd]").click()
        jjj.find_element(By.ID, "file").send_keys(UPLOAD)
        shot(jjj, "03-new-lead")
        jjj.find_element(By.ID, "record").click()
        WebDriverWait(jjj, 20).until(lambda d: d.find_elements(By.ID, "story"))
        expect("已登记并签名" in jjj.page_source, "the lead page says it was recorded and signed")
        expect(os.path.basename(UPLOAD) in jjj.page_source, "its screenshot is listed as evidence")
        lead_url = jjj.current_url.split("?")[0]
        lead_id = lead_url.rsplit("/", 1)[1]
        shot(jjj, "04-jjj-lead")
        axe_check(jjj, "lead")

    with Step("the lead appears in yrd's worklist without a reload", yrd):
        marker = yrd.execute_script("window.notReloaded = true; return window.notReloaded;")
        expect(marker, "marker set")
        WebDriverWait(yrd, ARRIVAL).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f"#to-acknowledge a[data-lead='{lead_id}']"))
        expect(yrd.execute_script("return window.notReloaded === true;"), "the page updated itself, it did not reload")
        shot(yrd, "05-yrd-worklist-live")

    with Step("yrd acknowledges the lead", yrd):
        click(yrd, f"#to-acknowledge a[data-lead='{lead_id}']")
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "act-acknowledge"))
        expect(not yrd.find_elements(By.ID, "act-withdraw"), "yrd is not the owner: no withdraw form")
        click(yrd, "#act-acknowledge button")
        WebDriverWait(yrd, 10).until(lambda d: "已签收" in d.find_element(By.ID, "handling").text)
        expect(yrd.find_elements(By.ID, "act-decide"), "after acknowledging, deciding is open")
        shot(yrd, "06-yrd-acknowledged")

    with Step("yrd answers jjj's assistance request: accepts it, then completes it with findings", yrd):
        yrd.get(YRD + "/console/")
        click(yrd, f"#due a[href='/console/requests/{REQUEST}']")
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "act-accept"))
        expect(not yrd.find_elements(By.ID, "act-cancel"), "only the requester may cancel")
        expect(yrd.find_elements(By.ID, "request-deadline"), "the page shows the deadline")
        click(yrd, "#act-accept button")
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "act-complete"))
        # A completion without findings is stopped by the form itself (a required field).
        click(yrd, "#act-complete button")
        expect("act-complete" in "".join(e.get_attribute("id") or "" for e in yrd.find_elements(By.CSS_SELECTOR, "form")),
               "the form is still there")
        type_into(yrd, "#complete-findings", "经核实，该经营者登记地址与实际经营地不符")
        click(yrd, "#act-complete button")
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "findings"))
        expect("已完成" in (text_of(yrd, "#request-state") or ""), "the request is completed")
        shot(yrd, "07a-yrd-request-completed")
        axe_check(yrd, "request")

    with Step("jjj's case page shows both regions' entries, each verified", jjj):
        jjj.get(lead_url)
        WebDriverWait(jjj, ARRIVAL).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#story tr[data-node='yrd']"))
        # Read in one script: a live update may replace the rows between two Selenium calls.
        rows = jjj.execute_script(
            "return Array.from(document.querySelectorAll('#story tbody tr'))"
            ".map(function (r) { return [r.dataset.node, !!r.querySelector('.verified')]; })")
        expect({node for node, _ in rows} >= {"jjj", "yrd"}, f"entries from both regions: {rows}")
        expect(all(verified for _, verified in rows), f"every entry is marked verified: {rows}")
        # yrd's signed checkpoint proves it holds jjj's entry; checkpoints announce no event, so
        # the page is reloaded until one has arrived.
        WebDriverWait(jjj, ARRIVAL, poll_frequency=1).until(
            lambda d: d.refresh() or d.find_elements(By.CSS_SELECTOR, "#story tr[data-node='jjj'] [data-witness='yrd']"))
        shot(jjj, "07-jjj-story")

    with Step("jjj hands the case off to yrd, and yrd's open page offers to accept it without a reload", jjj, yrd):
        yrd.get(lead_url.replace(JJJ, YRD))
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "story"))
        yrd.execute_script("document.body.dataset.marker = 'not reloaded'")
        jjj.get(lead_url)
        WebDriverWait(jjj, 10).until(lambda d: d.find_elements(By.ID, "act-handoff-offer"))
        click(jjj, "#act-handoff-offer select[name=to] option[value=yrd]")
        type_into(jjj, "#handoff-offer-letter", "该经营者登记地在上海，依法移送贵局管辖")
        click(jjj, "#act-handoff-offer button")
        WebDriverWait(jjj, 10).until(lambda d: d.find_elements(By.ID, "handoff-state"))
        expect(jjj.find_elements(By.ID, "act-handoff-withdraw"), "the owner may withdraw its offer")
        WebDriverWait(yrd, ARRIVAL).until(lambda d: d.find_elements(By.ID, "act-handoff-accept"))
        expect(yrd.execute_script("return document.body.dataset.marker") == "not reloaded",
               "the offer appeared by a live update, not a reload")
        click(yrd, "#act-handoff-accept button")
        WebDriverWait(yrd, 10).until(lambda d: "已接受" in d.find_element(By.ID, "handoff-state").text)
        shot(yrd, "07b-yrd-handoff-accepted")
        yrd.get(YRD + "/console/handoffs")
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "handoffs"))
        expect("已接受" in text_of(yrd, "#handoffs"), "yrd's hand-offs page lists the case accepted")
        shot(yrd, "07c-yrd-handoffs")

    with Step("jjj's case page says where the case has reached: all of it at yrd, only stubs at prd", jjj):
        jjj.get(lead_url)
        WebDriverWait(jjj, ARRIVAL, poll_frequency=1).until(
            lambda d: d.refresh() or "已全部到达" in (text_of(d, "#reach tr[data-node='yrd'] .reach-summary") or ""))
        expect("不在共享范围内" in (text_of(jjj, "#reach tr[data-node='prd'] .reach-summary") or ""),
               "prd is outside the case's audience")
        click(jjj, "#reach tr[data-node='prd'] a")
        WebDriverWait(jjj, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "section.reach[data-node='prd']"))
        expect(jjj.find_elements(By.CSS_SELECTOR, "section.reach[data-node='prd'] tr[data-state='outside-audience']"),
               "each of the case's changes is outside prd's audience")
        shot(jjj, "07d-jjj-reach")

    with Step("yrd's supervisor reports yrd's case to the police from its page, then approves the transfer", yrd):
        yrd.get(YRD + "/console/leads/" + POLICE_CASE)
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "act-police-create"))
        axe_check(yrd, "case page with its acts")
        letter, report, items = POLICE_DOCUMENTS
        type_into(yrd, "#police-create-police", "雄安新区公安局")
        choose(yrd, "#police-create-letter", letter)
        choose(yrd, "#police-create-investigationReport", report)
        choose(yrd, "#police-create-itemsList", items)
        shot(yrd, "07e-yrd-police-report")
        click(yrd, "#act-police-create button")
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "police"))
        expect("已报请移送公安" in yrd.page_source, "the transfers page says the case was reported")
        transfers = [e.get_attribute("data-transfer") for e in yrd.find_elements(By.CSS_SELECTOR, "#police tr[data-transfer]")]
        expect(len(transfers) == 1, f"one transfer to police: {transfers}")
        print(f"transfer to police: {transfers[0]}", flush=True)
        row = f"#police tr[data-transfer='{transfers[0]}']"
        expect("待批准" in (text_of(yrd, row) or ""), "the transfer awaits approval")
        click(yrd, f"{row} form:has(input[name=step][value=approve]) button")
        WebDriverWait(yrd, 10).until(lambda d: "已批准" in (text_of(d, row) or ""))
        expect("已移送（填写回执）" in (text_of(yrd, row) or ""), "the next step, the transfer itself, is offered")
        shot(yrd, "07f-yrd-police-approved")
        click(yrd, f"{row} a[href='/console/police/{transfers[0]}']")
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "package"))
        expect("调查报告.pdf" in (text_of(yrd, "#package") or ""), "the transfer's own page lists its package")
        expect("已批准" in (text_of(yrd, "#transfer-state") or ""), "and its state")
        axe_check(yrd, "transfer to police")
        shot(yrd, "07g-yrd-police-transfer")

    with Step("a synced lead with markup and a bidi override renders inert and visible", yrd):
        yrd.get(YRD + "/console/leads/" + HOSTILE_LEAD)
        WebDriverWait(yrd, 10).until(lambda d: d.find_elements(By.ID, "summary"))
        no_alert(yrd)
        summary = text_of(yrd, "#summary") or ""
        expect("<script>" in summary and "\\u{202E}" in summary, f"the summary is shown as text: {summary!r}")
        expect(not yrd.find_elements(By.CSS_SELECTOR, "#summary script, #summary img"), "no element was injected")
        shot(yrd, "08-yrd-hostile-lead")

    with Step("a form posted from another site does not act", yrd):
        # A page on another origin (another loopback port) that posts yrd's act form at once.
        attack = f"""<!doctype html><form id=f method=post action="{YRD}/console/leads/{HOSTILE_LEAD}/acts">
            <input name=act value=acknowledge></form><script>document.getElementById('f').submit()</script>"""
        server = serve_once(attack)
        yrd.get(f"http://127.0.0.1:{server.server_address[1]}/")
        WebDriverWait(yrd, 10).until(lambda d: d.current_url.startswith(YRD))
        server.shutdown()
        shot(yrd, "09-csrf-attempt")
        yrd.get(YRD + "/console/leads/" + HOSTILE_LEAD)
        expect(yrd.find_elements(By.ID, "act-acknowledge"), "the hostile lead is still unacknowledged")

    with Step("an operator sees the node, not the cases", ops):
        login(ops, YRD, "ops", OPERATOR_PASSWORD)
        expect(not ops.find_elements(By.CSS_SELECTOR, "nav a[href='/console/leads']"), "no case links for an operator")
        shot(ops, "10-operator-home")
        ops.get(YRD + "/console/leads/" + lead_id)
        expect("auth.not-permitted" in ops.page_source and "速通" not in ops.page_source, "no case content")

    with Step("an operator issues a case system's token, shown once, and revokes it", ops):
        ops.get(YRD + "/console/accounts")
        axe_check(ops, "accounts")
        Select(ops.find_element(By.ID, "token-name")).select_by_value("shen.ji")
        field = ops.find_element(By.ID, "token-days")
        field.clear()
        field.send_keys("30")
        type_into(ops, "#token-label", "案件管理系统")
        click(ops, "#issue-token button[type=submit]")
        WebDriverWait(ops, 10).until(lambda d: d.find_elements(By.ID, "issued-token"))
        token = text_of(ops, "#issued-token").strip()
        shot(ops, "10b-token-issued")
        status, body = api_whoami(YRD, token)
        expect(status == 200 and body.get("name") == "shen.ji", f"the API takes the new token: {status} {body}")
        ops.get(YRD + "/console/accounts")
        expect(token not in ops.page_source, "the token is shown once, not on the next visit")
        Select(ops.find_element(By.ID, "revoke-name")).select_by_value("shen.ji")
        click(ops, "#revoke-tokens button[type=submit]")
        WebDriverWait(ops, 10).until(lambda d: "done=act" in d.current_url)
        status, body = api_whoami(YRD, token)
        expect(status == 401 and body.get("code") == "auth.token-revoked", f"revoked: {status} {body}")

    with Step("an operator backs the node up from its page and reads doctor's findings", ops):
        ops.get(YRD + "/console/node")
        axe_check(ops, "node")
        click(ops, "#start-backup button[type=submit]")
        WebDriverWait(ops, 10).until(lambda d: "done=backup" in d.current_url)
        # The backup runs in the background; the page says how it ended once reloaded.
        WebDriverWait(ops, 60, poll_frequency=0.5).until(
            lambda d: d.refresh() or d.find_elements(By.CSS_SELECTOR, "#backup-run .run-done"))
        expect("/backups/liandong-yrd-" in ops.page_source, "the page names the backup's file")
        shot(ops, "10b2-node-backed-up")
        ops.get(YRD + "/console/doctor")
        expect(ops.find_elements(By.CSS_SELECTOR, "#findings tbody tr"), "doctor's findings, one per row")
        axe_check(ops, "doctor")
        shot(ops, "10b3-doctor")

    with Step("an auditor reads a case and finds nothing to act with", ops):
        ops.find_element(By.ID, "logout").click()
        WebDriverWait(ops, 10).until(lambda d: "/console/login" in d.current_url)
        login(ops, YRD, "shen.ji", PASSWORD)
        for page in ["/console/leads/" + lead_id, "/console/", "/console/handoffs", "/console/police", "/console/node"]:
            ops.get(YRD + page)
            # A search is not an act: only forms that post are offered to those who may act.
            expect(not ops.find_elements(By.CSS_SELECTOR, "main form[method=post]"),
                   f"an auditor is offered no form that acts on {page}")
        ops.get(YRD + "/console/leads/" + lead_id)
        expect("速通" in ops.page_source, "an auditor reads the case")
        shot(ops, "10c-auditor-case")
        ops.get(YRD + "/console/accounts")
        expect("auth.not-permitted" in ops.page_source, "an auditor cannot reach the accounts page")

    with Step("on 28 September 2026, the deadline board counts 15 working days across the National Day holiday", ops):
        # A node whose clock stands at that day (see HolidayPair); the ops browser is done with yrd.
        login(ops, HOLIDAY, "wang.fang", PASSWORD)
        ops.get(HOLIDAY + "/console/due")
        rows = ops.find_elements(By.XPATH, f"//table[@id='due']//tr[.//a[@href='/console/requests/{HOLIDAY_REQUEST}']]")
        expect(len(rows) == 1, "the request is on the board once")
        cells = rows[0].find_elements(By.TAG_NAME, "td")
        expect(cells[4].text.startswith(REQUEST_DEADLINE), f"the last day is {REQUEST_DEADLINE}, not {cells[4].text!r}")
        expect(cells[5].text.split()[0] == REQUEST_DAYS_LEFT,
               f"{REQUEST_DAYS_LEFT} working days left, not {cells[5].text!r}")
        shot(ops, "10d-deadline-board-across-a-holiday")
        axe_check(ops, "deadline board")

    with Step("prd, which the lead was not sent to, cannot read it", prd):
        login(prd, PRD, "zhao.lei", PASSWORD)
        prd.get(PRD + "/console/leads/" + lead_id)
        expect("速通" not in prd.page_source, "prd never shows the lead's content")
        expect("签名存根" in prd.page_source, "the page says why: prd may hold only a signed stub")
        shot(prd, "11-prd-not-shared")

    with Step("the campaign report fills the notice's table", jjj):
        jjj.get(JJJ + "/console/report")
        WebDriverWait(jjj, 10).until(lambda d: d.find_elements(By.ID, "campaign"))
        expect("涉及网络交易平台" in jjj.find_element(By.ID, "campaign").text, "the notice's wording")
        expect(jjj.find_element(By.ID, "report-csv").get_attribute("href").startswith(JJJ + "/console/report.csv?"),
               "a CSV download")
        shot(jjj, "10a-jjj-report")
        axe_check(jjj, "report")

    with Step("the console's CSV report is the command line's, for the same days", jjj):
        href = jjj.find_element(By.ID, "report-csv").get_attribute("href")
        query = urllib.parse.parse_qs(urllib.parse.urlparse(href).query)
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in jjj.get_cookies())
        with urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookies}), timeout=10) as reply:
            console_csv = reply.read().decode("utf-8")
        cli = subprocess.run(
            [os.environ["LIANDONG"], "report", "--data", os.environ["JJJ_DATA"], "--format", "csv",
             "--from", query["from"][0], "--to", query["to"][0]],
            capture_output=True, text=True, timeout=60)
        expect(cli.returncode == 0, f"liandong report: {cli.stderr}")
        expect(console_csv.strip().splitlines() == cli.stdout.strip().splitlines(),
               f"the console's CSV:\n{console_csv}\nthe command line's:\n{cli.stdout}")
        expect(len(console_csv.strip().splitlines()) > 2, f"a table with its rows: {console_csv}")

    with Step("the console switches to English and back", yrd):
        yrd.get(YRD + "/console/")
        yrd.find_element(By.ID, "language").click()
        WebDriverWait(yrd, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
        expect("Worklist" in yrd.page_source, "the English worklist")
        shot(yrd, "12-english")
        yrd.find_element(By.ID, "language").click()
        WebDriverWait(yrd, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN")

    with Step("an officer cannot reach the operator's accounts page, nor sees it in the menu", jjj):
        jjj.get(JJJ + "/console/")
        expect(not jjj.find_elements(By.CSS_SELECTOR, "nav a[href='/console/accounts']"), "no accounts link")
        jjj.get(JJJ + "/console/accounts")
        expect("auth.not-permitted" in jjj.page_source and "issue-token" not in jjj.page_source,
               "the accounts page is refused to an officer")

    with Step("logout ends the session", jjj):
        jjj.get(JJJ + "/console/")
        jjj.find_element(By.ID, "logout").click()
        WebDriverWait(jjj, 10).until(lambda d: "/console/login" in d.current_url)
        jjj.get(JJJ + "/console/leads")
        expect("/console/login" in jjj.current_url, "after logout, pages need a login again")
    print("console scenario: every step passed", flush=True)


def serve_once(html):
    """A page of another origin, on a free loopback port, for the CSRF attempt."""
    body = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *arguments):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    main()
