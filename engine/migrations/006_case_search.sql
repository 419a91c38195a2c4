-- keydesk case store, migration 6: the queue's tabs, sorting and search (issue 21).
--
-- enterprise_name: the enterprise's name out of the submission, to sort by without reading JSON.
-- search_text: what a clerk finds a case by (CaseStore's search_text()): the case number, the
-- USCC, the enterprise's name, the legal representative, the authorised user and the login
-- name, '|' between them, spaces (also the ideographic U+3000) dropped and ASCII lowered, so
-- that 张伟 finds 张　伟 and ab12 finds AB12. A search is one LIKE '%…%' over this column.
-- Filled here for the cases already stored; every insert and every change of the submission
-- writes both afterwards.
-- cases_closed_by_update: the 已办结 tab, most recently closed first, read from an index.

ALTER TABLE cases ADD COLUMN enterprise_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE cases SET
  enterprise_name = coalesce(json_extract(data, '$.enterprise.name'), ''),
  search_text = lower(replace(replace(
      id || '|' || uscc || '|' ||
      coalesce(json_extract(data, '$.enterprise.name'), '') || '|' ||
      coalesce(json_extract(data, '$.applicant.legal_representative'), '') || '|' ||
      coalesce(json_extract(data, '$.applicant.authorized_user.name'), '') || '|' ||
      coalesce(json_extract(data, '$.applicant.login_username'), ''),
    ' ', ''), '　', ''));

CREATE INDEX cases_closed_by_update ON cases (authority, updated_at, id) WHERE closed = 1;
