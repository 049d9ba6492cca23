import { afterEach, describe, expect, it } from 'vitest';
import { FIXED_NOW, evaluate, expectValue } from './mapping-fixture';

const OCTOBER_17 = 'date("2019-10-17 23:55:12.345")';
const IN_LOS_ANGELES = 'zone_date_to_zone(date("2019-10-17T11:55:12Z"), "America/Los_Angeles")';

describe('date and time functions', () => {
  const systemZone = process.env.TZ;
  afterEach(() => {
    if (systemZone === undefined) delete process.env.TZ;
    else process.env.TZ = systemZone;
  });

  it.each([
    ['now()', FIXED_NOW],
    ['timestamp()', Date.parse(FIXED_NOW)],
    ['format(date("2019-10-23T11:24:00+00:00"), "yyyy-MM-dd HH:mm:ss")', '2019-10-23 11:24:00'],
    ['format("2019-10-23", "dd/MM/yy")', '23/10/19'],
    ['format(1571829875000, "yyyy")', '2019'],
    [`format(${OCTOBER_17}, "EEEE, MMMM d, yyyy h:mm a")`, 'Thursday, October 17, 2019 11:55 PM'],
    [`format(${OCTOBER_17}, "u D Q w")`, '4 290 4 42'],
    [`format(${OCTOBER_17}, "Z X XXX ZZZZZ")`, '+0000 Z Z Z'],
    [
      `format(${IN_LOS_ANGELES}, "yyyy-MM-dd'T'HH:mm:ssXXX VV z")`,
      '2019-10-17T04:55:12-07:00 America/Los_Angeles PDT',
    ],
    [`format(${IN_LOS_ANGELES}, "zzzz")`, 'Pacific Daylight Time'],
    ["format(now(), \"'it''s' yyyy\")", "it's 2024"],
    ['dformat(1571829875000, "yyyy-MM-dd\'T\'HH:mm:ss.SSSX")', '2019-10-23T11:24:35.000Z'],
    ['dformat("1571829875000", "HH:mm")', '11:24'],
    ['date("2019-10-23 11:24", "yyyy-MM-dd HH:mm", now())', '2019-10-23T11:24:00Z'],
    ['date("2019-10-23 11:24", "yyyy-MM-dd HH:mm")', '2019-10-23T11:24:00Z'],
    ['date("2019-10-23 11:24")', '2019-10-23T11:24:00Z'],
    ['date("2019-10-23T11:24:35.250+02:00")', '2019-10-23T09:24:35.250Z'],
    ['date("2019-10-23 11:24:35+0000")', '2019-10-23T11:24:35Z'],
    ['date("2019/10/23")', '2019-10-23T00:00:00Z'],
    ['date("2019.10.23")', '2019-10-23T00:00:00Z'],
    ['date("2019-Oct-23")', '2019-10-23T00:00:00Z'],
    ['date("20191023")', '2019-10-23T00:00:00Z'],
    ['date("10-23-2019")', '2019-10-23T00:00:00Z'],
    ['date("12112020")', '2020-12-11T00:00:00Z'],
    ['date("10/23/2019")', '2019-10-23T00:00:00Z'],
    ['date("23.10.2019")', '2019-10-23T00:00:00Z'],
    ['date("10/23/2019 11:24:35 PM")', '2019-10-23T23:24:35Z'],
    ['date("23.Oct.2019")', '2019-10-23T00:00:00Z'],
    ['date("23-Oct-2019")', '2019-10-23T00:00:00Z'],
    ['date(1571829875000)', '2019-10-23T11:24:35Z'],
    ['date("not a date", "yyyy-MM-dd", now())', FIXED_NOW],
    ['date(missing, "yyyy-MM-dd", now())', FIXED_NOW],
    ['date(missing)', undefined],
    [`date_part("MM", ${OCTOBER_17})`, 10],
    [`date_part("year", ${OCTOBER_17})`, 2019],
    [`date_part("yy", ${OCTOBER_17})`, 2019],
    [`date_part("q", ${OCTOBER_17})`, 4],
    [`date_part("dayofyear", ${OCTOBER_17})`, 290],
    [`date_part("d", ${OCTOBER_17})`, 17],
    [`date_part("week", ${OCTOBER_17})`, 42],
    [`date_part("weekday", ${OCTOBER_17})`, 4],
    [`date_part("hh", ${OCTOBER_17})`, 23],
    [`date_part("hh12", ${OCTOBER_17})`, 11],
    [`date_part("mi", ${OCTOBER_17})`, 55],
    [`date_part("ss", ${OCTOBER_17})`, 12],
    [`date_part("SSS", ${OCTOBER_17})`, 345],
    [`date_part("hour", ${IN_LOS_ANGELES})`, 4],
    ['date_part("year", missing)', undefined],
    ['set_date_part("m", 4, date("2016-11-09T11:44:44.797"))', '2016-04-09T11:44:44.797Z'],
    ['set_date_part("year", 2020, "2019-02-28")', '2020-02-28T00:00:00Z'],
    ['set_date_part("hh", 1, "2019-02-28")', '2019-02-28T01:00:00Z'],
    [`set_date_part("hour", 23, ${IN_LOS_ANGELES})`, '2019-10-17T23:55:12-07:00'],
    ['set_date_part("day", 1, missing)', undefined],
    ['make_date_time(2019, 10, 17, 11, 55, 12, 999, "America/Los_Angeles")', '2019-10-17T11:55:12-07:00'],
    ['make_timestamp(2019, 10, 17, 11, 55, 12, 250000000)', '2019-10-17T11:55:12.250Z'],
    ['make_date_time(2019, 10, 17, 11, 55, 12, 0, "+05:30")', '2019-10-17T11:55:12+05:30'],
    [
      'zone_date_to_utc(make_date_time(2019, 10, 17, 11, 55, 12, 0, "America/Los_Angeles"))',
      '2019-10-17T18:55:12Z',
    ],
    ['zone_date_to_utc("2019-10-17T11:55:12-08:00")', '2019-10-17T19:55:12Z'],
    ['zone_date_to_zone(date("2019-10-17T11:55:12Z"), "Europe/Paris")', '2019-10-17T13:55:12+02:00'],
    ['zone_date_to_zone(date("2019-10-17T11:55:12Z"), "+05:30")', '2019-10-17T17:25:12+05:30'],
    ['zone_date_to_utc(missing)', undefined],
    ['zone_date_to_zone(missing, "Europe/Paris")', undefined],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, {});
  });

  it('reads and writes dates the same whatever the time zone of the machine', () => {
    // Prepare
    process.env.TZ = 'Asia/Kolkata';

    // Act
    const formatted = evaluate(
      'format(date("2019-10-23 23:30", "yyyy-MM-dd HH:mm"), "yyyy-MM-dd HH:mm XXX")',
    );

    // Assess
    expect(formatted.value).toBe('2019-10-23 23:30 Z');
  });

  it.each([
    ['format(now(), "yyyy W")', "format: the pattern letter 'W' is not supported"],
    [
      'format(now(), "yyyy [MM]")',
      "format: '[' (an optional section or a reserved character) is not supported",
    ],
    ['format(now(), "\'open")', 'format: unclosed quote in the pattern'],
    ['format(now(), "yyyy V")', "format: the zone id is written 'VV'"],
    ['format(now(), "dddd")', "format: too many 'd' in the pattern"],
    ['format("not a date", "yyyy")', 'format: argument 1 (date) is not a date it can read'],
    ['format(items, "yyyy")', 'format: argument 1 (date) must be a date, not an array'],
    ['format(now(), missing)', 'format: argument 2 (format) is missing'],
    ['dformat("soon", "yyyy")', 'dformat: argument 1 (timestamp) must be a number of milliseconds'],
    ['date("2019-13-45")', 'date: argument 1 (date) does not match any default date pattern'],
    ['date("2019-02-30")', 'date: argument 1 (date) does not match any default date pattern'],
    ['date("2019", "yyyy-MM-dd")', 'date: argument 1 (date) does not match the format'],
    ['date("2019 UTC", "yyyy z")', "date: zone names ('z') and ids ('VV') cannot be read, only written"],
    ['date(items)', 'date: argument 1 (date) must be text, not an array'],
    ['date("x", "yyyy", "not a date either")', 'date: argument 3 (default date) is not a date it can read'],
    [
      'date_part("fortnight", now())',
      'date_part: argument 1 (component) is not one of the date components it knows',
    ],
    [
      'set_date_part("quarter", 1, now())',
      'set_date_part: argument 1 (component) is not one of the date components it knows',
    ],
    ['set_date_part("day", 31, "2019-04-01")', 'set_date_part: the day is out of range'],
    ['set_date_part("month", "x", now())', 'set_date_part: argument 2 (value) must be a number, not text'],
    ['make_date_time(2019, 13, 1, 0, 0, 0, 0)', 'make_date_time: the month is out of range'],
    ['make_date_time(2019, 2, 29, 0, 0, 0, 0)', 'make_date_time: the day is out of range'],
    ['make_date_time(2019, 1, 1, 24, 0, 0, 0)', 'make_date_time: the hour is out of range'],
    ['make_date_time(2019, 1, 1, 0, 0, 0, 1000000000)', 'make_date_time: the nanosecond is out of range'],
    [
      'make_date_time(2019, 1, 1, 0, 0, 0, 0, "Mars/Olympus")',
      'make_date_time: argument 8 (zone) is not a known time zone',
    ],
    [
      'zone_date_to_zone(now(), "Mars/Olympus")',
      'zone_date_to_zone: argument 2 (zone) is not a known time zone',
    ],
    ['zone_date_to_utc(items)', 'zone_date_to_utc: argument 1 (date) must be a date, not an array'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = { items: [1] };

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ code: 'expression-error', message })]);
  });
});
