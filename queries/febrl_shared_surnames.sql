-- FEBRL people: surnames shared by several records, a first hint of duplicates
-- (rec_id ends in -org for an original record and -dup-N for its duplicates).
-- The raw values carry a leading blank, so they are trimmed first.
WITH people AS (
    SELECT trim(rec_id) AS rec_id, nullif(trim(given_name), '') AS given_name,
           nullif(trim(surname), '') AS surname
    FROM febrl_people
)
SELECT surname, count(*) AS records,
       count(*) FILTER (WHERE rec_id LIKE '%-dup-%') AS marked_duplicates,
       list(given_name ORDER BY given_name) FILTER (WHERE given_name IS NOT NULL) AS given_names
FROM people
WHERE surname IS NOT NULL
GROUP BY surname
HAVING count(*) > 2
ORDER BY records DESC, surname
LIMIT 50;
