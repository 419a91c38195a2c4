-- keydesk case store, migration 4: deadlines that wait on the calendar, and the clock they run on.
--
-- A deadline is never guessed: when a day it depends on lies in a year the working-day calendar
-- has no data for (the State Council publishes next year's arrangement in Oct–Dec), the case
-- keeps no due date and names that year in due_pending_year. The clock the deadline runs on is
-- kept with the case (counter-local start, working days), so that the due date can be computed
-- again once the year is entered, or when an arrangement in use is amended (keydesk calendar
-- reproject; keydesk serve on start-up and when a calendar edit is activated).
-- Cases opened before this migration have no clock recorded: their due dates stay as they are.

ALTER TABLE cases ADD COLUMN due_pending_year INTEGER;  -- NULL: not waiting on the calendar
ALTER TABLE cases ADD COLUMN clock_start TEXT;          -- YYYY-MM-DDTHH:MM, counter-local
ALTER TABLE cases ADD COLUMN clock_days INTEGER;        -- working days from the acceptance date

CREATE INDEX cases_pending ON cases (authority, id) WHERE closed = 0
  AND due_pending_year IS NOT NULL;
CREATE INDEX cases_clocked ON cases (id) WHERE closed = 0 AND clock_start IS NOT NULL;
