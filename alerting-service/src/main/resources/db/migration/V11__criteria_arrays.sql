-- Criteria as text[] rather than comma-separated text (findings have them so already): a report filters by criterion
-- in SQL (`'CC6.1' = any(criteria)`), and no criterion can ever be split or joined wrongly. Existing rows are kept.
alter table control           alter column criteria type text[] using string_to_array(criteria, ',');
alter table control_execution alter column criteria type text[] using string_to_array(criteria, ',');
alter table control_failure   alter column criteria type text[] using string_to_array(criteria, ',');
