// Reads an iCalendar file with Mozilla's ical.js and prints, as JSON, each event as a
// calendar app sees it: local start, all-day or not, status, texts. Used by
// tests/test_hub_ics_icaljs.py to check the hub's /agenda.ics with a parser that is
// not the icalendar package the hub writes it with.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const start = event.startDate;
  return {
    uid: event.uid,
    summary: event.summary,
    location: event.location,
    description: event.description,
    status: component.getFirstPropertyValue("status"),
    allDay: start.isDate,
    start: start.toString(),
    end: event.endDate ? event.endDate.toString() : null,
    zone: start.zone ? start.zone.tzid : null,
    unixStart: start.toUnixTime(),
  };
});
process.stdout.write(JSON.stringify({ name: calendar.getFirstPropertyValue("x-wr-calname"), events }));
