-- Penguins heavier than $min_mass grams (a parameter: the SQL panel shows an input field for it,
-- and `workbench sql --file queries/heavy_penguins.sql --param min_mass=5000` binds it).
SELECT "Individual ID", Species, Sex, TRY_CAST("Body Mass (g)" AS DOUBLE) AS body_mass_g
FROM penguins_raw
WHERE TRY_CAST("Body Mass (g)" AS DOUBLE) > $min_mass
ORDER BY body_mass_g DESC;
