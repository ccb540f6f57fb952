-- Cars: the make is the first word of Name; rare spellings next to common ones are likely typos
-- (e.g. 'chevroelt' next to 'chevrolet'), found by string similarity.
WITH makes AS (
    SELECT lower(split_part(Name, ' ', 1)) AS make, count(*) AS cars
    FROM cars GROUP BY ALL
)
SELECT rare.make AS rare_spelling, rare.cars AS rare_cars,
       common.make AS likely_meant, common.cars AS common_cars,
       round(jaro_winkler_similarity(rare.make, common.make), 3) AS similarity
FROM makes rare JOIN makes common
  ON rare.cars < common.cars AND jaro_winkler_similarity(rare.make, common.make) > 0.85
ORDER BY similarity DESC, rare_spelling;
