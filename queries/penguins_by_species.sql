-- Penguins: how many of each species on each island, with their mean body mass.
-- The raw file writes missing measurements as 'NA', so the numbers are read as text: TRY_CAST turns 'NA' into NULL.
SELECT Species, Island, count(*) AS penguins,
       round(avg(TRY_CAST("Body Mass (g)" AS DOUBLE)), 1) AS mean_body_mass_g,
       count(*) FILTER (WHERE TRY_CAST("Body Mass (g)" AS DOUBLE) IS NULL) AS missing_mass
FROM penguins_raw
GROUP BY ALL
ORDER BY Species, Island;
