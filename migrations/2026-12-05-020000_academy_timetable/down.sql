DROP TABLE favorite_lessons;
DROP TABLE favorite_groups;
DROP TABLE prices;
DROP TABLE lessons;
DROP TABLE groups;
DROP TABLE locations;
