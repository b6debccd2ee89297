-- The offence catalogue seeded with the offences most often met in Panamanian prisons, from the
-- Código Penal (Ley 14 de 2007) in its texto único numbering (the Procuraduría's edition that
-- gathers the later amending laws). Administrators maintain the list (offence.manage): entries
-- are edited or deactivated there, never deleted once a charge names them.
--
-- Article numbers checked against published copies of the texto único are given plainly. Those
-- marked "por confirmar" below are the best reading available and must be confirmed against the
-- official text by the legal office before production use (the catalogue screen edits them).
-- Offences against liberty (privación de libertad, secuestro) sit under life_and_integrity:
-- offences against the person; trafficking in persons under other.

INSERT INTO offences (code, article, name_es, name_en, category) VALUES
  -- Título I: la vida y la integridad personal
  ('HOM-SIMPLE',          '131',   'Homicidio simple',                               'Homicide',                                       'life_and_integrity'),
  ('HOM-AGRAVADO',        '132',   'Homicidio agravado',                             'Aggravated homicide (murder)',                   'life_and_integrity'),
  ('FEMICIDIO',           '132-A', 'Femicidio',                                      'Femicide',                                       'life_and_integrity'),
  -- por confirmar: homicidio culposo (la sección de homicidio abarca los arts. 131 a 135)
  ('HOM-CULPOSO',         '134',   'Homicidio culposo',                              'Negligent homicide',                             'life_and_integrity'),
  ('LESIONES',            '136',   'Lesiones personales dolosas',                    'Intentional bodily harm',                        'life_and_integrity'),
  ('LESIONES-AGR',        '137',   'Lesiones personales agravadas',                  'Aggravated bodily harm',                         'life_and_integrity'),
  -- por confirmar
  ('LESIONES-CULPOSAS',   '140',   'Lesiones personales culposas',                   'Negligent bodily harm',                          'life_and_integrity'),
  ('PRIVACION-LIBERTAD',  '149',   'Privación de libertad',                          'Unlawful deprivation of liberty',                'life_and_integrity'),
  ('SECUESTRO',           '150',   'Secuestro',                                      'Kidnapping',                                     'life_and_integrity'),
  -- por confirmar
  ('AMENAZAS',            '154',   'Amenazas',                                       'Threats',                                        'life_and_integrity'),

  -- Título III: la libertad e integridad sexual
  ('VIOLACION',           '174',   'Violación',                                      'Rape',                                           'sexual'),
  -- por confirmar: supuestos agravados de la violación
  ('VIOLACION-AGR',       '175',   'Violación agravada',                             'Aggravated rape',                                'sexual'),
  ('ESTUPRO',             '176',   'Estupro (acceso sexual con persona de 14 a 17 años con abuso de ventaja)', 'Sexual intercourse with a minor aged 14 to 17 by abuse of a position of advantage', 'sexual'),
  ('ACTOS-LIBIDINOSOS',   '177',   'Actos libidinosos',                              'Sexual assault without intercourse',             'sexual'),
  ('ACOSO-SEXUAL',        '178',   'Acoso sexual',                                   'Sexual harassment',                              'sexual'),
  -- por confirmar
  ('CORRUPCION-MENORES',  '180',   'Corrupción de personas menores de edad',          'Corruption of minors',                           'sexual'),
  -- por confirmar
  ('PORNOGRAFIA-INFANTIL','184',   'Pornografía con personas menores de edad',        'Child sexual abuse material',                    'sexual'),
  -- por confirmar
  ('PROXENETISMO',        '186',   'Proxenetismo',                                   'Procuring',                                      'sexual'),

  -- Título V: el orden jurídico familiar
  ('VIOLENCIA-DOMESTICA', '200',   'Violencia doméstica',                            'Domestic violence',                              'family'),
  ('VIOLENCIA-DOM-AGR',   '201',   'Violencia doméstica agravada',                   'Aggravated domestic violence',                   'family'),
  -- por confirmar
  ('MALTRATO-MENOR',      '202',   'Maltrato de persona menor de edad',               'Child maltreatment',                             'family'),
  -- por confirmar
  ('OMISION-ALIMENTOS',   '210',   'Incumplimiento de deberes familiares (pensión alimenticia)', 'Failure to pay maintenance (child support)', 'family'),

  -- Título VI: el patrimonio económico
  ('HURTO',               '213',   'Hurto',                                          'Theft',                                          'property'),
  ('HURTO-AGR',           '214',   'Hurto agravado',                                 'Aggravated theft',                               'property'),
  ('ROBO',                '218',   'Robo',                                           'Robbery',                                        'property'),
  ('ROBO-AGR',            '219',   'Robo agravado',                                  'Aggravated robbery',                             'property'),
  ('ESTAFA',              '220',   'Estafa',                                         'Fraud',                                          'property'),
  ('ESTAFA-AGR',          '221',   'Estafa agravada',                                'Aggravated fraud',                               'property'),
  -- por confirmar
  ('APROPIACION-INDEBIDA','222',   'Apropiación indebida',                           'Misappropriation',                               'property'),
  -- por confirmar: capítulo de la extorsión en el Título VI
  ('EXTORSION',           '216',   'Extorsión',                                      'Extortion',                                      'property'),
  -- por confirmar
  ('RECEPTACION',         '226',   'Aprovechamiento de cosas provenientes del delito (receptación)', 'Handling stolen goods',              'property'),
  -- por confirmar
  ('DANOS',               '228',   'Daños',                                          'Criminal damage',                                'property'),

  -- Título VII: el orden económico
  ('RETENCION-CUOTAS',    '241',   'Retención indebida de cuotas de la Caja de Seguro Social', 'Withholding social security contributions', 'economic'),
  ('BLANQUEO',            '254',   'Blanqueo de capitales',                          'Money laundering',                               'economic'),
  -- por confirmar
  ('DELITO-FINANCIERO',   '249',   'Delitos financieros (captación o manejo fraudulento de fondos)', 'Financial crime (fraudulent handling of funds)', 'economic'),
  -- por confirmar
  ('CONTRABANDO',         '288-A', 'Contrabando y defraudación aduanera',            'Smuggling and customs fraud',                    'economic'),

  -- Título IX: la seguridad colectiva (drogas, asociación ilícita, armas)
  ('DROGAS-TRAFICO',      '312',   'Tráfico internacional de drogas',                'International drug trafficking',                 'drugs'),
  ('DROGAS-CULTIVO',      '313',   'Siembra, cultivo o fabricación de drogas',       'Cultivation or manufacture of drugs',            'drugs'),
  -- por confirmar
  ('DROGAS-PRECURSORES',  '314',   'Desvío de precursores y sustancias químicas controladas', 'Diversion of drug precursors',          'drugs'),
  -- por confirmar
  ('DROGAS-CONSPIRACION', '316',   'Conspiración para delitos relacionados con drogas', 'Conspiracy to commit drug offences',          'drugs'),
  -- por confirmar
  ('DROGAS-POSESION',     '320',   'Posesión de drogas (consumo personal)',          'Drug possession (personal use)',                 'drugs'),
  ('DROGAS-POSESION-AGR', '321',   'Posesión agravada de drogas',                    'Aggravated drug possession (not for personal use)', 'drugs'),
  ('ASOCIACION-ILICITA',  '329',   'Asociación ilícita',                             'Criminal association',                           'public_security'),
  ('PANDILLERISMO',       '330',   'Pandillerismo',                                  'Gang membership',                                'public_security'),
  ('ARMA-POSESION',       '333',   'Posesión ilícita de arma de fuego',              'Unlawful possession of a firearm',               'public_security'),
  -- por confirmar
  ('ARMA-TRAFICO',        '334',   'Tráfico o comercio ilícito de armas de fuego',   'Firearms trafficking',                           'public_security'),
  -- por confirmar
  ('EXPLOSIVOS',          '335',   'Posesión o tráfico ilícito de explosivos',       'Unlawful possession of or trade in explosives',  'public_security'),
  -- por confirmar
  ('TERRORISMO',          '293',   'Terrorismo',                                     'Terrorism',                                      'public_security'),

  -- Título X: la administración pública
  ('PECULADO',            '338',   'Peculado',                                       'Embezzlement of public funds',                   'public_administration'),
  -- por confirmar (art. 334 en la numeración original de la Ley 14 de 2007)
  ('PECULADO-CULPOSO',    '340',   'Peculado culposo',                               'Negligent loss of public funds',                 'public_administration'),
  ('CORRUPCION',          '345',   'Corrupción de servidores públicos',              'Bribery of public officials',                    'public_administration'),
  ('ENRIQUECIMIENTO',     '351',   'Enriquecimiento injustificado',                  'Unjustified enrichment',                         'public_administration'),
  -- por confirmar
  ('ABUSO-AUTORIDAD',     '355',   'Abuso de autoridad e infracción de los deberes de los servidores públicos', 'Abuse of authority by a public official', 'public_administration'),

  -- Título XI: la administración de justicia
  -- por confirmar
  ('EVASION',             '392',   'Evasión',                                        'Escape from custody',                            'public_administration'),
  -- por confirmar
  ('ENCUBRIMIENTO',       '393',   'Encubrimiento',                                  'Harbouring an offender',                         'public_administration'),
  -- por confirmar
  ('FALSO-TESTIMONIO',    '385',   'Falso testimonio',                               'Perjury',                                        'public_administration'),

  -- Título XII: la fe pública
  -- por confirmar
  ('FALSIFICACION-DOC',   '366',   'Falsificación de documentos',                    'Forgery of documents',                           'public_faith'),
  -- por confirmar
  ('FALSIFICACION-MONEDA','376',   'Falsificación de moneda',                        'Counterfeiting currency',                        'public_faith'),

  -- Título XIII: el ambiente
  -- por confirmar
  ('AMBIENTE-RECURSOS',   '399',   'Delitos contra los recursos naturales',          'Offences against natural resources',             'environment'),

  -- Título XV: la humanidad (trata de personas, Ley 79 de 2011)
  -- por confirmar
  ('TRATA-PERSONAS',      '456-A', 'Trata de personas',                              'Trafficking in persons',                         'other');
