/*
 * The DSDT of vx86's PC (i440FX + PIIX3 + PIIX4 PM, QEMU's "pc" machine):
 * the PCI root bridge with its resources and _PRT, the PCI interrupt links
 * of the PIIX3 (PIRQA-D, config 0x60-0x63 of 00:01.0), the ISA devices and
 * \_S5. Compiled at build time by iasl (bios/acpi/acpi.cmake); the board
 * patches PHMN (the start of the PCI hole, bios/acpi_tables.c).
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "VX86  ", "VX86PC  ", 0x00000001)
{
    /* Sleep states: only S5 (soft off). The value is PM1a_CNT.SLP_TYP
     * (PIIX4 SUS_TYP 000 = soft off), see devices/acpi_pm.c. */
    Name (\_S5, Package (0x04) {0x00, 0x00, 0x00, 0x00})

    /* The OS says which interrupt model it uses (0 PIC, 1 APIC); the
     * routing does not change with it on this board. */
    Name (PICM, 0x00)
    Method (\_PIC, 1, NotSerialized)
    {
        PICM = Arg0
    }

    Scope (\_GPE)
    {
        Name (_HID, "ACPI0006")
    }

    Scope (\_SB)
    {
        /* The one CPU: ACPI processor ID 0, its local APIC is the MADT's
         * entry with the same ID. */
        Device (CPU0)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, 0x00)
        }

        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, 0x00)

            /* Start of the 32-bit PCI window: the top of RAM below 4 GiB,
             * patched by the board (the 0x12345678 is a placeholder). */
            Name (PHMN, 0x12345678)

            Name (CRES, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                    0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000, 0x1EC00000,
                    ,, PW32, AddressRangeMemory, TypeStatic)
            })

            Method (_CRS, 0, Serialized)
            {
                CreateDWordField (CRES, \_SB.PCI0.PW32._MIN, PMIN)
                CreateDWordField (CRES, \_SB.PCI0.PW32._LEN, PLEN)
                PMIN = PHMN
                PLEN = (0xFEC00000 - PHMN)
                Return (CRES)
            }

            /* INTx of slot S pin P goes to PIRQ (S + P) mod 4 (P = 0 for
             * INTA), as devices/pci.c swizzles it. */
            Name (_PRT, Package ()
            {
            Package () {0x0000FFFF, 0, LNKA, 0},
            Package () {0x0000FFFF, 1, LNKB, 0},
            Package () {0x0000FFFF, 2, LNKC, 0},
            Package () {0x0000FFFF, 3, LNKD, 0},
            Package () {0x0001FFFF, 0, LNKB, 0},
            Package () {0x0001FFFF, 1, LNKC, 0},
            Package () {0x0001FFFF, 2, LNKD, 0},
            Package () {0x0001FFFF, 3, LNKA, 0},
            Package () {0x0002FFFF, 0, LNKC, 0},
            Package () {0x0002FFFF, 1, LNKD, 0},
            Package () {0x0002FFFF, 2, LNKA, 0},
            Package () {0x0002FFFF, 3, LNKB, 0},
            Package () {0x0003FFFF, 0, LNKD, 0},
            Package () {0x0003FFFF, 1, LNKA, 0},
            Package () {0x0003FFFF, 2, LNKB, 0},
            Package () {0x0003FFFF, 3, LNKC, 0},
            Package () {0x0004FFFF, 0, LNKA, 0},
            Package () {0x0004FFFF, 1, LNKB, 0},
            Package () {0x0004FFFF, 2, LNKC, 0},
            Package () {0x0004FFFF, 3, LNKD, 0},
            Package () {0x0005FFFF, 0, LNKB, 0},
            Package () {0x0005FFFF, 1, LNKC, 0},
            Package () {0x0005FFFF, 2, LNKD, 0},
            Package () {0x0005FFFF, 3, LNKA, 0},
            Package () {0x0006FFFF, 0, LNKC, 0},
            Package () {0x0006FFFF, 1, LNKD, 0},
            Package () {0x0006FFFF, 2, LNKA, 0},
            Package () {0x0006FFFF, 3, LNKB, 0},
            Package () {0x0007FFFF, 0, LNKD, 0},
            Package () {0x0007FFFF, 1, LNKA, 0},
            Package () {0x0007FFFF, 2, LNKB, 0},
            Package () {0x0007FFFF, 3, LNKC, 0},
            Package () {0x0008FFFF, 0, LNKA, 0},
            Package () {0x0008FFFF, 1, LNKB, 0},
            Package () {0x0008FFFF, 2, LNKC, 0},
            Package () {0x0008FFFF, 3, LNKD, 0},
            Package () {0x0009FFFF, 0, LNKB, 0},
            Package () {0x0009FFFF, 1, LNKC, 0},
            Package () {0x0009FFFF, 2, LNKD, 0},
            Package () {0x0009FFFF, 3, LNKA, 0},
            Package () {0x000AFFFF, 0, LNKC, 0},
            Package () {0x000AFFFF, 1, LNKD, 0},
            Package () {0x000AFFFF, 2, LNKA, 0},
            Package () {0x000AFFFF, 3, LNKB, 0},
            Package () {0x000BFFFF, 0, LNKD, 0},
            Package () {0x000BFFFF, 1, LNKA, 0},
            Package () {0x000BFFFF, 2, LNKB, 0},
            Package () {0x000BFFFF, 3, LNKC, 0},
            Package () {0x000CFFFF, 0, LNKA, 0},
            Package () {0x000CFFFF, 1, LNKB, 0},
            Package () {0x000CFFFF, 2, LNKC, 0},
            Package () {0x000CFFFF, 3, LNKD, 0},
            Package () {0x000DFFFF, 0, LNKB, 0},
            Package () {0x000DFFFF, 1, LNKC, 0},
            Package () {0x000DFFFF, 2, LNKD, 0},
            Package () {0x000DFFFF, 3, LNKA, 0},
            Package () {0x000EFFFF, 0, LNKC, 0},
            Package () {0x000EFFFF, 1, LNKD, 0},
            Package () {0x000EFFFF, 2, LNKA, 0},
            Package () {0x000EFFFF, 3, LNKB, 0},
            Package () {0x000FFFFF, 0, LNKD, 0},
            Package () {0x000FFFFF, 1, LNKA, 0},
            Package () {0x000FFFFF, 2, LNKB, 0},
            Package () {0x000FFFFF, 3, LNKC, 0},
            Package () {0x0010FFFF, 0, LNKA, 0},
            Package () {0x0010FFFF, 1, LNKB, 0},
            Package () {0x0010FFFF, 2, LNKC, 0},
            Package () {0x0010FFFF, 3, LNKD, 0},
            Package () {0x0011FFFF, 0, LNKB, 0},
            Package () {0x0011FFFF, 1, LNKC, 0},
            Package () {0x0011FFFF, 2, LNKD, 0},
            Package () {0x0011FFFF, 3, LNKA, 0},
            Package () {0x0012FFFF, 0, LNKC, 0},
            Package () {0x0012FFFF, 1, LNKD, 0},
            Package () {0x0012FFFF, 2, LNKA, 0},
            Package () {0x0012FFFF, 3, LNKB, 0},
            Package () {0x0013FFFF, 0, LNKD, 0},
            Package () {0x0013FFFF, 1, LNKA, 0},
            Package () {0x0013FFFF, 2, LNKB, 0},
            Package () {0x0013FFFF, 3, LNKC, 0},
            Package () {0x0014FFFF, 0, LNKA, 0},
            Package () {0x0014FFFF, 1, LNKB, 0},
            Package () {0x0014FFFF, 2, LNKC, 0},
            Package () {0x0014FFFF, 3, LNKD, 0},
            Package () {0x0015FFFF, 0, LNKB, 0},
            Package () {0x0015FFFF, 1, LNKC, 0},
            Package () {0x0015FFFF, 2, LNKD, 0},
            Package () {0x0015FFFF, 3, LNKA, 0},
            Package () {0x0016FFFF, 0, LNKC, 0},
            Package () {0x0016FFFF, 1, LNKD, 0},
            Package () {0x0016FFFF, 2, LNKA, 0},
            Package () {0x0016FFFF, 3, LNKB, 0},
            Package () {0x0017FFFF, 0, LNKD, 0},
            Package () {0x0017FFFF, 1, LNKA, 0},
            Package () {0x0017FFFF, 2, LNKB, 0},
            Package () {0x0017FFFF, 3, LNKC, 0},
            Package () {0x0018FFFF, 0, LNKA, 0},
            Package () {0x0018FFFF, 1, LNKB, 0},
            Package () {0x0018FFFF, 2, LNKC, 0},
            Package () {0x0018FFFF, 3, LNKD, 0},
            Package () {0x0019FFFF, 0, LNKB, 0},
            Package () {0x0019FFFF, 1, LNKC, 0},
            Package () {0x0019FFFF, 2, LNKD, 0},
            Package () {0x0019FFFF, 3, LNKA, 0},
            Package () {0x001AFFFF, 0, LNKC, 0},
            Package () {0x001AFFFF, 1, LNKD, 0},
            Package () {0x001AFFFF, 2, LNKA, 0},
            Package () {0x001AFFFF, 3, LNKB, 0},
            Package () {0x001BFFFF, 0, LNKD, 0},
            Package () {0x001BFFFF, 1, LNKA, 0},
            Package () {0x001BFFFF, 2, LNKB, 0},
            Package () {0x001BFFFF, 3, LNKC, 0},
            Package () {0x001CFFFF, 0, LNKA, 0},
            Package () {0x001CFFFF, 1, LNKB, 0},
            Package () {0x001CFFFF, 2, LNKC, 0},
            Package () {0x001CFFFF, 3, LNKD, 0},
            Package () {0x001DFFFF, 0, LNKB, 0},
            Package () {0x001DFFFF, 1, LNKC, 0},
            Package () {0x001DFFFF, 2, LNKD, 0},
            Package () {0x001DFFFF, 3, LNKA, 0},
            Package () {0x001EFFFF, 0, LNKC, 0},
            Package () {0x001EFFFF, 1, LNKD, 0},
            Package () {0x001EFFFF, 2, LNKA, 0},
            Package () {0x001EFFFF, 3, LNKB, 0},
            Package () {0x001FFFFF, 0, LNKD, 0},
            Package () {0x001FFFFF, 1, LNKA, 0},
            Package () {0x001FFFFF, 2, LNKB, 0},
            Package () {0x001FFFFF, 3, LNKC, 0}
            })

            /* The PIIX3 ISA bridge, 00:01.0. */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                OperationRegion (P40C, PCI_Config, 0x60, 0x04)
                Field (P40C, ByteAcc, NoLock, Preserve)
                {
                    PRQ0,   8,
                    PRQ1,   8,
                    PRQ2,   8,
                    PRQ3,   8
                }

                Device (PIC)
                {
                    Name (_HID, EisaId ("PNP0000"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0020, 0x0020, 0x01, 0x02)
                        IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02)
                        IO (Decode16, 0x04D0, 0x04D0, 0x01, 0x02)
                        IRQNoFlags () {2}
                    })
                }

                Device (DMA)
                {
                    Name (_HID, EisaId ("PNP0200"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        DMA (Compatibility, NotBusMaster, Transfer8, ) {4}
                        IO (Decode16, 0x0000, 0x0000, 0x01, 0x10)
                        IO (Decode16, 0x0081, 0x0081, 0x01, 0x0F)
                        IO (Decode16, 0x00C0, 0x00C0, 0x01, 0x20)
                    })
                }

                Device (TMR)
                {
                    Name (_HID, EisaId ("PNP0100"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0040, 0x0040, 0x01, 0x04)
                        IRQNoFlags () {0}
                    })
                }

                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                        IRQNoFlags () {8}
                    })
                }

                Device (SPKR)
                {
                    Name (_HID, EisaId ("PNP0800"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0061, 0x0061, 0x01, 0x01)
                    })
                }

                Device (FPU)
                {
                    Name (_HID, EisaId ("PNP0C04"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x00F0, 0x00F0, 0x01, 0x10)
                        IRQNoFlags () {13}
                    })
                }

                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (0x0F)
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
                        IRQNoFlags () {1}
                    })
                }

                Device (MOU)
                {
                    Name (_HID, EisaId ("PNP0F13"))
                    Method (_STA, 0, NotSerialized)
                    {
                        Return (0x0F)
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IRQNoFlags () {12}
                    })
                }

                Device (FDC0)
                {
                    Name (_HID, EisaId ("PNP0700"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F2, 0x03F2, 0x00, 0x04)
                        IO (Decode16, 0x03F7, 0x03F7, 0x00, 0x01)
                        IRQNoFlags () {6}
                        DMA (Compatibility, NotBusMaster, Transfer8, ) {2}
                    })
                }

                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, 0x01)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
                        IRQNoFlags () {4}
                    })
                }

                Device (COM2)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, 0x02)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x02F8, 0x02F8, 0x00, 0x08)
                        IRQNoFlags () {3}
                    })
                }

                /* The PIIX4 PM block and the APM ports (devices/acpi_pm.h):
                 * reserved so that nothing is put on top of them. */
                Device (PMIO)
                {
                    Name (_HID, EisaId ("PNP0C02"))
                    Name (_UID, 0x01)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0600, 0x0600, 0x01, 0x40)
                        IO (Decode16, 0x00B2, 0x00B2, 0x01, 0x02)
                    })
                }
            }

            /* PCI interrupt links: _STA/_CRS/_SRS/_DIS read and write the
             * PIIX3 route registers (bit 7 = disabled, bits 3:0 = IRQ). */
            Method (IQST, 1, NotSerialized)
            {
                If ((0x80 & Arg0))
                {
                    Return (0x09)
                }
                Return (0x0B)
            }

            Name (PRR0, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared, ,, PRRI) {0}
            })

            Method (IQCR, 1, Serialized)
            {
                CreateDWordField (PRR0, \_SB.PCI0.PRRI._INT, PRRV)
                PRRV = Zero
                If ((Arg0 < 0x80))
                {
                    PRRV = (Arg0 & 0x0F)
                }
                Return (PRR0)
            }

            Name (PRSL, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared, ,, )
                {
                    0x00000005, 0x0000000A, 0x0000000B
                }
            })

            Device (LNKA)
            {
                Name (_HID, EisaId ("PNP0C0F"))
                Name (_UID, 0x01)
                Method (_STA, 0, NotSerialized)
                {
                    Return (IQST (\_SB.PCI0.ISA.PRQ0))
                }
                Method (_DIS, 0, NotSerialized)
                {
                    \_SB.PCI0.ISA.PRQ0 |= 0x80
                }
                Method (_PRS, 0, NotSerialized)
                {
                    Return (PRSL)
                }
                Method (_CRS, 0, NotSerialized)
                {
                    Return (IQCR (\_SB.PCI0.ISA.PRQ0))
                }
                Method (_SRS, 1, NotSerialized)
                {
                    CreateDWordField (Arg0, 0x05, PRRI)
                    \_SB.PCI0.ISA.PRQ0 = PRRI
                }
            }

            Device (LNKB)
            {
                Name (_HID, EisaId ("PNP0C0F"))
                Name (_UID, 0x02)
                Method (_STA, 0, NotSerialized)
                {
                    Return (IQST (\_SB.PCI0.ISA.PRQ1))
                }
                Method (_DIS, 0, NotSerialized)
                {
                    \_SB.PCI0.ISA.PRQ1 |= 0x80
                }
                Method (_PRS, 0, NotSerialized)
                {
                    Return (PRSL)
                }
                Method (_CRS, 0, NotSerialized)
                {
                    Return (IQCR (\_SB.PCI0.ISA.PRQ1))
                }
                Method (_SRS, 1, NotSerialized)
                {
                    CreateDWordField (Arg0, 0x05, PRRI)
                    \_SB.PCI0.ISA.PRQ1 = PRRI
                }
            }

            Device (LNKC)
            {
                Name (_HID, EisaId ("PNP0C0F"))
                Name (_UID, 0x03)
                Method (_STA, 0, NotSerialized)
                {
                    Return (IQST (\_SB.PCI0.ISA.PRQ2))
                }
                Method (_DIS, 0, NotSerialized)
                {
                    \_SB.PCI0.ISA.PRQ2 |= 0x80
                }
                Method (_PRS, 0, NotSerialized)
                {
                    Return (PRSL)
                }
                Method (_CRS, 0, NotSerialized)
                {
                    Return (IQCR (\_SB.PCI0.ISA.PRQ2))
                }
                Method (_SRS, 1, NotSerialized)
                {
                    CreateDWordField (Arg0, 0x05, PRRI)
                    \_SB.PCI0.ISA.PRQ2 = PRRI
                }
            }

            Device (LNKD)
            {
                Name (_HID, EisaId ("PNP0C0F"))
                Name (_UID, 0x04)
                Method (_STA, 0, NotSerialized)
                {
                    Return (IQST (\_SB.PCI0.ISA.PRQ3))
                }
                Method (_DIS, 0, NotSerialized)
                {
                    \_SB.PCI0.ISA.PRQ3 |= 0x80
                }
                Method (_PRS, 0, NotSerialized)
                {
                    Return (PRSL)
                }
                Method (_CRS, 0, NotSerialized)
                {
                    Return (IQCR (\_SB.PCI0.ISA.PRQ3))
                }
                Method (_SRS, 1, NotSerialized)
                {
                    CreateDWordField (Arg0, 0x05, PRRI)
                    \_SB.PCI0.ISA.PRQ3 = PRRI
                }
            }
        }

        /* The HPET at 0xFED00000 (devices/hpet.h); the HPET table says the same. */
        Device (HPET)
        {
            Name (_HID, EisaId ("PNP0103"))
            Name (_UID, 0x00)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadOnly, 0xFED00000, 0x00000400, )
            })
        }
    }
}
