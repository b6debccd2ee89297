// Synthetic but realistic Panamanian names, places and family details for the demo.
export const maleGivenNames = ['José', 'Luis', 'Carlos', 'Juan', 'Jorge', 'Miguel', 'Ángel', 'Eduardo', 'Ricardo', 'Roberto', 'Fernando', 'Rubén', 'Héctor', 'Raúl', 'Víctor', 'Alexis', 'Jonathan', 'Kevin', 'Édgar', 'Abdiel', 'Iván', 'Omar', 'Aníbal', 'Efraín', 'Joel', 'Ariel', 'Rolando', 'Óscar', 'Manuel', 'Francisco', 'Darío', 'Ismael', 'Elías', 'Julio', 'César', 'Andrés', 'Gilberto', 'Moisés', 'Yair', 'Anthony'];
export const femaleGivenNames = ['María', 'Ana', 'Yolanda', 'Itzel', 'Yaritza', 'Lourdes', 'Ilka', 'Nelly', 'Rosa', 'Carmen', 'Gloria', 'Dayana', 'Yamileth', 'Katherine', 'Jennifer', 'Sofía', 'Elena', 'Marisol', 'Anayansi', 'Xiomara', 'Iris', 'Mayra', 'Zuleika', 'Deyanira', 'Lineth'];
export const secondGivenNames = ['Antonio', 'Alberto', 'Enrique', 'Alfonso', 'Arturo', 'Andrés', 'Javier', 'Tomás', 'Isabel', 'Elena', 'Teresa', 'Esther', 'Del Carmen', 'Inés'];
export const surnames = ['González', 'Rodríguez', 'Pérez', 'Sánchez', 'Martínez', 'Hernández', 'Castillo', 'Herrera', 'Jiménez', 'Batista', 'Quintero', 'Vásquez', 'Ríos', 'Morales', 'Guerra', 'Santos', 'Núñez', 'Domínguez', 'Moreno', 'Ortega', 'Camarena', 'Barría', 'De Gracia', 'Córdoba', 'Pinzón', 'Villarreal', 'Aparicio', 'Cedeño', 'Pitti', 'Samaniego', 'Arosemena', 'Chiari', 'Saldaña', 'Rivera', 'Díaz', 'Caballero', 'Montenegro', 'Solís', 'Ábrego', 'Murillo', 'Vergara', 'Atencio', 'Espinosa', 'Gutiérrez', 'Mendoza', 'Ramos', 'Valdés', 'Araúz', 'Bethancourt', 'Muñoz'];
export const aliases = ['El Flaco', 'Chicho', 'El Gordo', 'Cholo', 'El Negro', 'Pelusa', 'Tito', 'El Mono', 'Cabezón', 'Chino', 'La Flaca', 'Pipo', 'El Ruso', 'Manotas'];
export const arrestPlaces = ['San Miguelito', 'Colón, Barrio Norte', 'Curundú', 'El Chorrillo', 'Juan Díaz', 'Tocumen', 'La Chorrera', 'Arraiján', 'David, Chiriquí', 'Santiago, Veraguas', 'Penonomé', 'Changuinola', 'Chitré', 'Las Tablas', 'Pacora', 'Calidonia', 'Río Abajo', 'Aguadulce'];
export const courts = ['Juzgado de Garantías del Primer Circuito Judicial de Panamá', 'Juzgado de Garantías de Colón', 'Juzgado de Garantías de Chiriquí', 'Tribunal de Juicio del Primer Circuito Judicial', 'Juzgado de Cumplimiento del Primer Distrito Judicial', 'Tribunal de Juicio de Veraguas', 'Juzgado de Garantías de Coclé'];
export const relationships = ['madre', 'padre', 'pareja', 'hermana', 'hermano', 'abuela', 'tía', 'hija'];
export const childWhereabouts = ['con la abuela materna', 'con el padre', 'con una tía', 'en un albergue del MIDES', 'con la madrina', 'con la hermana mayor'];
/** Foreign nationals: mostly Colombian, Venezuelan, Nicaraguan and Dominican. */
export const foreignNationalities: readonly [string, number][] = [
  ['CO', 45],
  ['VE', 20],
  ['NI', 15],
  ['DO', 10],
  ['CR', 4],
  ['EC', 3],
  ['MX', 2],
  ['US', 1],
];
